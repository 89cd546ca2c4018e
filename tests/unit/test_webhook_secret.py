"""A webhook's secret reaches the topic whole and nothing else: not a repr, not the API."""

from __future__ import annotations

import orjson

from wirewatch.api.responses import StoredWebhook, WebhookIn
from wirewatch.core.models import utcnow

SECRET = "a-long-shared-secret-5678"


def test_the_secret_is_stored_whole_and_masked_everywhere_else() -> None:
    spec = WebhookIn.model_validate({"url": "https://hooks.example.org/x", "secret": SECRET})
    stored = StoredWebhook(
        id="w1", url=str(spec.url), filters=spec.filters, secret=spec.secret, created_at=utcnow()
    )
    assert orjson.loads(stored.model_dump_json())["secret"] == SECRET
    assert SECRET not in repr(stored)
    assert SECRET not in str(spec)
    assert SECRET not in stored.public().model_dump_json()
    assert StoredWebhook.model_validate_json(stored.model_dump_json()) == stored
