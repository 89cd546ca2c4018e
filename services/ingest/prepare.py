"""Turning a request's items into validated raw articles and their MinHash signatures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from wirewatch.core.articles import InvalidArticles, Problem, validate
from wirewatch.core.models import RawArticle, utcnow
from wirewatch.ingest.neardup import Signature, signature

# Text articles prepared on the event loop between two yields to it: about 8 ms of CPU
# on the development machine, so other requests and the broker's replies wait no longer.
CHUNK = 20
Prepared = tuple[list[RawArticle], dict[str, Signature]]


def prepare(items: list[Any], min_confidence: float, **where: Any) -> Prepared:
    """Validated articles and their near-duplicate signatures (`where`: see `validate`)."""
    articles = validate(items, None, min_confidence, **where)
    return articles, {a.id: signature(a.text) for a in articles}


def has_markup(item: Any) -> bool:
    """Whether the item's text is HTML, which trafilatura takes milliseconds to extract."""
    return isinstance(item, dict) and (
        item.get("html") is not None or item.get("content_type") == "text/html"
    )


async def prepare_request(
    items: list[Any],
    min_confidence: float,
    in_thread: Callable[..., Awaitable[Prepared]],
) -> Prepared:
    """The request's articles, prepared where it costs least.

    Text articles on the event loop, `CHUNK` at a time with a yield between chunks: on a
    preparation thread the two threads' contention for the GIL cost a sixth of the rate
    with batches of 100. A request with HTML goes to the thread (`in_thread(prepare, ...)`),
    since a chunk of pages would hold the loop for a second."""
    if any(has_markup(item) for item in items):
        return await in_thread(prepare, items, min_confidence)
    now = utcnow()
    articles: list[RawArticle] = []
    signatures: dict[str, Signature] = {}
    problems: list[Problem] = []
    for start in range(0, len(items), CHUNK):
        part = items[start : start + CHUNK]
        try:
            good = validate(part, now, min_confidence, first=start, total=len(items))
        except InvalidArticles as exc:
            problems += exc.problems
        else:
            if not problems:  # signatures only while the request can still be published
                articles += good
                signatures.update((a.id, signature(a.text)) for a in good)
        await asyncio.sleep(0)
    if problems:
        raise InvalidArticles(problems)
    return articles, signatures
