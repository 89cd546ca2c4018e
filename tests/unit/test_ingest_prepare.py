"""Preparing a request: text on the event loop in chunks, HTML on the thread, same results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from wirewatch.core.articles import InvalidArticles
from wirewatch.ingest import prepare as prepare_mod
from wirewatch.ingest.prepare import Prepared, prepare, prepare_request

TEXT = "The minister said in Paris on Monday that the talks with Germany had failed, again."


def _items(count: int) -> list[dict[str, Any]]:
    return [{"id": f"a{k}", "text": f"{TEXT} Story number {k} of {count}."} for k in range(count)]


class Thread:
    """Stands in for the preparation thread: records what it was given, runs it here."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, func: Any, *args: Any) -> Prepared:
        self.calls += 1
        result: Prepared = func(*args)
        return result


async def test_text_in_chunks_gives_what_one_pass_gives() -> None:
    items = _items(2 * prepare_mod.CHUNK + 5)
    thread = Thread()
    articles, signatures = await prepare_request(items, 0.9, thread)
    whole, whole_signatures = prepare(items, 0.9)
    assert thread.calls == 0
    assert [a.id for a in articles] == [a.id for a in whole]
    assert [a.text for a in articles] == [a.text for a in whole]
    assert len({a.received_at for a in articles}) == 1  # one request, one arrival time
    assert signatures.keys() == whole_signatures.keys()
    assert all(np.array_equal(signatures[k], whole_signatures[k]) for k in signatures)


async def test_problems_of_every_chunk_keep_their_request_index() -> None:
    items: list[Any] = _items(2 * prepare_mod.CHUNK + 5)
    items[3] = {"id": "bad", "text": ""}
    items[2 * prepare_mod.CHUNK + 1] = {"title": "no text"}
    with pytest.raises(InvalidArticles) as caught:
        await prepare_request(items, 0.9, Thread())
    located = sorted({p.loc[:2] for p in caught.value.problems})
    assert located == [("body", 3), ("body", 2 * prepare_mod.CHUNK + 1)]


async def test_one_item_is_located_at_the_body() -> None:
    with pytest.raises(InvalidArticles) as caught:
        await prepare_request([{"text": ""}], 0.9, Thread())
    assert caught.value.problems[0].loc[0] == "body"
    assert caught.value.problems[0].loc[1] != 0


async def test_html_goes_to_the_thread() -> None:
    thread = Thread()
    items: list[Any] = [
        *_items(3),
        {"id": "page", "html": f"<html><body><p>{TEXT}</p></body></html>"},
    ]
    articles, _ = await prepare_request(items, 0.9, thread)
    assert thread.calls == 1
    assert [a.id for a in articles] == ["a0", "a1", "a2", "page"]
