"""Ingest rebuilding its de-duplication state from raw records: what each record costs.

A record older than the near-duplicate window gives its id and content hash from the
key and a header, unparsed; a recent one gives its signature from a header instead of
computing it; a record from before those headers existed is computed as it always was.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

from wirewatch.core.models import RawArticle, utcnow
from wirewatch.ingest.app import IngestState
from wirewatch.ingest.neardup import SIGNATURE_HEADER, signature, to_bytes
from wirewatch.ingest.publisher import CONTENT_HASH_HEADER, content_hash
from wirewatch.ingest.settings import IngestSettings

DAY_MS = 86_400_000
TEXT = "The minister said in Paris on Monday that the talks with Germany had failed again."
OTHER = "Heavy rain flooded the valley overnight and the river rose above its banks in town."


def _state() -> IngestState:
    return IngestState(IngestSettings(ingest_allow_no_auth=True))


def _record(article: RawArticle, age_ms: int, headers: list[tuple[str, bytes]]) -> Any:
    return SimpleNamespace(
        key=article.id.encode(),
        value=article.model_dump_json().encode(),
        headers=headers,
        timestamp=int(time.time() * 1000) - age_ms,
    )


def _article(article_id: str, text: str) -> RawArticle:
    return RawArticle(id=article_id, title="T", text=text, received_at=utcnow())


def test_an_old_record_is_known_by_its_key_and_hash_without_being_parsed() -> None:
    state = _state()
    article = _article("old-1", TEXT)
    record = _record(article, 30 * DAY_MS, [(CONTENT_HASH_HEADER, b"feedface")])
    record.value = b"not even json"  # never looked at
    state._remember(record)
    assert "old-1" in state.dedup.ids
    assert "feedface" in state.dedup.hashes
    assert "old-1" not in state.dedup.near  # outside the near-duplicate window


def test_a_recent_record_gives_its_signature_from_the_header() -> None:
    state = _state()
    article = _article("new-1", TEXT)
    # The header says the signature of OTHER: the index must hold that one, not TEXT's.
    headers = [
        (CONTENT_HASH_HEADER, content_hash(article).encode()),
        (SIGNATURE_HEADER, to_bytes(signature(OTHER))),
    ]
    state._remember(_record(article, 1_000, headers))
    assert "new-1" in state.dedup.near
    match = state.dedup.near.find(signature(OTHER))
    assert match is not None
    assert match.article_id == "new-1"
    assert state.dedup.near.find(signature(TEXT)) is None


def test_a_record_without_the_headers_is_computed_as_before() -> None:
    state = _state()
    article = _article("legacy-1", TEXT)
    state._remember(_record(article, 30 * DAY_MS, []))
    assert content_hash(article) in state.dedup.hashes
    match = state.dedup.near.find(signature(TEXT))
    assert match is not None
    assert match.article_id == "legacy-1"
