"""The ingest HTTP API: POST /v1/articles, health, readiness and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, ValidationError

from wirewatch.core import headers, kafka, openapi, problems
from wirewatch.core.articles import NDJSON_TYPES, InvalidArticles, decode_body, validate
from wirewatch.core.auth import Guard, RateLimiter, Scope
from wirewatch.core.brokerwatch import BrokerMetrics, BrokerWatch
from wirewatch.core.http import RateLimitHeaders, operations, read_limited
from wirewatch.core.models import ArticleIn, RawArticle
from wirewatch.core.tail import TopicTail
from wirewatch.ingest import metrics
from wirewatch.ingest.feeds import routes as feed_routes
from wirewatch.ingest.feeds.model import load_config
from wirewatch.ingest.feeds.poller import Poller
from wirewatch.ingest.feeds.store import FeedBook
from wirewatch.ingest.neardup import (
    SIGNATURE_HEADER,
    NearDuplicates,
    from_bytes,
)
from wirewatch.ingest.prepare import prepare, prepare_request
from wirewatch.ingest.publisher import (
    CONTENT_HASH_HEADER,
    ArticlePublisher,
    Dedup,
    Outcome,
    PublishError,
    TooLarge,
)
from wirewatch.ingest.settings import IngestSettings

T = TypeVar("T")
ACCEPTED_TYPES = NDJSON_TYPES | {"application/json", "text/json"}
log = logging.getLogger(__name__)
BATCH_BYTES = 512 * 1024
WARM_UP = {"text": "The minister said in Paris on Monday that the talks with Germany had failed."}


class ArticleResult(BaseModel):
    id: str
    status: Outcome
    story_id: str | None = None
    duplicate_of: str | None = None
    language: str | None = None


class SubmitResponse(BaseModel):
    accepted: int
    duplicates: int
    near_duplicates: int
    articles: list[ArticleResult]


class IngestState:
    """What the routes need: the guard, the publisher, and the reader that keeps the
    de-duplication state in step with the raw topic."""

    def __init__(self, settings: IngestSettings):
        self.settings = settings
        near = NearDuplicates(
            settings.ingest_near_dup_threshold,
            settings.ingest_near_dup_window_s,
            settings.ingest_near_dup_capacity,
        )
        self.dedup = Dedup(settings.ingest_dedup_capacity, near)
        self.tail = TopicTail(
            settings, settings.topic_raw, self._remember, kafka.lag_recorder(metrics.LAG)
        )
        self.publisher: ArticlePublisher | None = None
        self.tail_task: asyncio.Task[None] | None = None
        self.book = FeedBook(settings)
        self.feeds_tail = TopicTail(settings, settings.topic_feeds, self.book.feeds.apply)
        self.states_tail = TopicTail(settings, settings.topic_feed_state, self.book.states.apply)
        self.tasks: list[asyncio.Task[None]] = []
        # One thread for articles given as HTML and for feed entries (trafilatura takes
        # milliseconds a page): off the event loop, and never several requests contending
        # for the GIL (that cost a fifth of the rate with four). Text is prepared on the
        # loop (see prepare_request).
        self.cpu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-prepare")
        open_to_all: frozenset[Scope] = frozenset({"write", "admin"})
        anonymous = (
            open_to_all
            if not settings.ingest_api_keys and settings.ingest_allow_no_auth
            else frozenset()
        )
        limiter = RateLimiter(settings.ingest_rate_limit_per_s, settings.ingest_rate_limit_burst)
        self.guard = Guard(settings.ingest_api_keys, limiter, anonymous)

    def _remember(self, record: Any) -> None:
        """One raw record into the de-duplication state, as cheaply as it allows."""
        key = record.key.decode("utf-8", "replace") if record.key else None
        if key is not None:
            self.dedup.ids.add(key)
        digest = kafka.header(record.headers, CONTENT_HASH_HEADER)
        window_start_ms = (time.time() - self.settings.ingest_near_dup_window_s) * 1000
        if digest is not None and (record.timestamp < window_start_ms or key in self.dedup.near):
            # Older than the near-duplicate window, or one this process published (already
            # indexed): its id and content hash are all that is new, and both are on the
            # record without parsing it.
            self.dedup.hashes.add(digest)
        else:
            try:
                article = RawArticle.model_validate_json(record.value or b"")
            except ValidationError:
                return  # not an article (the enrich service dead-letters it); its key is enough
            minhash = from_bytes(_raw_header(record.headers, SIGNATURE_HEADER))
            self.dedup.remember(article, minhash, digest)
        metrics.KNOWN_IDS.set(len(self.dedup.ids))

    def feeds_loaded(self) -> bool:
        return self.feeds_tail.caught_up.is_set() and self.states_tail.caught_up.is_set()

    def ready(self) -> bool:
        tasks_ok = self.tail_task is not None and not any(
            t.done() for t in [self.tail_task, *self.tasks]
        )
        return (
            tasks_ok
            and self.publisher is not None
            and self.tail.caught_up.is_set()
            and self.feeds_loaded()
        )

    async def run_cpu(self, func: Callable[..., T], *args: Any) -> T:
        """`func(*args)` on the preparation thread."""
        return await asyncio.get_running_loop().run_in_executor(self.cpu, func, *args)

    async def submit_entries(self, items: list[dict[str, Any]]) -> int:
        """Feed entries through the same validation and de-duplication as POSTed articles."""
        assert self.publisher is not None
        good = []
        for item in items:
            try:
                good += await self.run_cpu(
                    validate, [item], None, self.settings.ingest_language_min_confidence
                )
            except InvalidArticles as exc:
                metrics.ARTICLES.labels("rejected").inc()
                for problem in exc.problems:
                    metrics.rejected_problem(problem.type)
                log.info("feed entry rejected: %s", exc)
        if not good:
            return 0
        summary = _summary(await self.publisher.publish(good))
        accepted: int = summary["accepted"]
        return accepted


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: IngestState = app.state.ingest
    settings = state.settings
    if settings.topic_create:
        await kafka.ensure_topics(settings)
    stop = asyncio.Event()
    # The first article loads the language model and fills caches: not on a sender's time.
    await state.run_cpu(prepare, [WARM_UP], settings.ingest_language_min_confidence)
    # A request publishes up to 1,000 articles of a few KB: batches of 512 KiB (aiokafka's
    # default is 16 KiB) send them in a few produce requests instead of hundreds, half the
    # CPU per article. Kafka takes batches up to its max.message.bytes (1 MB by default).
    producer = kafka.producer(
        settings,
        idempotent=await kafka.exactly_once(settings),
        max_batch_size=BATCH_BYTES,
    )
    await kafka.start_when_ready(producer, settings.kafka_connect_timeout_s)
    watch = BrokerWatch(producer, BrokerMetrics(metrics.BROKER_UP, metrics.BROKER_LOST))
    state.tasks.append(asyncio.create_task(watch.run(stop), name="broker-watch"))
    try:
        state.tail_task = asyncio.create_task(state.tail.run(stop), name="raw-topic-tail")
        state.publisher = ArticlePublisher(
            producer,
            settings.topic_raw,
            state.dedup,
            settings.ingest_publish_timeout_s,
            settings.ingest_max_message_bytes,
        )
        await _start_feeds(state, producer, stop)
        yield
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                asyncio.gather(*state.tasks, state.tail_task or asyncio.sleep(0)), 15
            )
        await producer.stop()
        state.cpu.shutdown(wait=False, cancel_futures=True)


async def _start_feeds(state: IngestState, producer: Any, stop: asyncio.Event) -> None:
    """Read the feed topics, publish the configured feeds, then start polling."""
    settings = state.settings
    configured = load_config(settings.ingest_feeds_path) if settings.ingest_feeds_path else []
    state.book.bind(producer)
    state.tasks += [
        asyncio.create_task(state.feeds_tail.run(stop), name="feeds-tail"),
        asyncio.create_task(state.states_tail.run(stop), name="feed-state-tail"),
    ]
    await asyncio.wait_for(
        asyncio.gather(state.feeds_tail.caught_up.wait(), state.states_tail.caught_up.wait()),
        settings.kafka_connect_timeout_s,
    )
    for feed in configured:
        await state.book.put(feed)
    poller = Poller(settings, state.book, state.submit_entries)
    state.tasks.append(asyncio.create_task(poller.run(stop), name="feed-poller"))


def create_app(settings: IngestSettings) -> FastAPI:
    problem = settings.auth_problem()
    if problem is not None:
        raise RuntimeError(problem)
    app = FastAPI(title="wirewatch ingest", version="1", lifespan=_lifespan)
    app.state.ingest = IngestState(settings)
    body_schema = {"$ref": "#/components/schemas/ArticleIn"}

    @app.post(
        "/v1/articles",
        status_code=202,
        response_model=SubmitResponse,
        responses={401: {}, 403: {}, 413: {}, 422: {}, 429: {}, 503: {}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": body_schema},
                    "application/x-ndjson": {"schema": body_schema},
                },
            }
        },
    )
    async def submit(request: Request) -> Response:
        """Take one article (JSON), many (a JSON array, or NDJSON one per line), as text or HTML."""
        state: IngestState = request.app.state.ingest
        started = time.perf_counter()
        try:
            state.guard.check(request, "write")
            response = await _submit(state, request)
        except HTTPException as exc:
            response = problems.from_http(exc)
            metrics.rejected_status(exc.status_code)
        metrics.REQUESTS.labels(str(response.status_code)).inc()
        if response.status_code == 202:
            metrics.PUBLISH_SECONDS.observe(time.perf_counter() - started)
        return response

    problems.install(app)
    app.add_middleware(RateLimitHeaders)
    app.include_router(operations(_readiness))
    app.include_router(feed_routes.router)
    openapi.complete(app, _article_schema, frozenset(app.state.ingest.guard.anonymous))
    return app


async def _submit(state: IngestState, request: Request) -> Response:
    settings = state.settings
    body = await read_limited(request, settings.ingest_max_body_bytes)
    if state.publisher is None or not state.tail.caught_up.is_set():
        metrics.REJECTED.labels("not_ready").inc()
        return _unavailable("starting: de-duplication state is still loading")
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media not in ACCEPTED_TYPES:
        metrics.REJECTED.labels("unsupported_type").inc()
        accepted = ", ".join(sorted(ACCEPTED_TYPES))
        return problems.problem(415, f"content type {media!r} not accepted: {accepted}")
    try:
        items = decode_body(body, ndjson=media in NDJSON_TYPES)
        most = settings.ingest_max_articles_per_request
        if len(items) > most:
            metrics.REJECTED.labels("too_many").inc()
            return problems.problem(413, f"at most {most} articles per request")
        articles, signatures = await prepare_request(
            items, settings.ingest_language_min_confidence, state.run_cpu
        )
    except InvalidArticles as exc:
        metrics.ARTICLES.labels("rejected").inc(max(len(exc.problems), 1))
        for problem in exc.problems:
            metrics.rejected_problem(problem.type)
        errors = [p.as_dict() for p in exc.problems]
        return problems.problem(422, f"invalid articles: {exc}", errors=errors)
    if not articles:
        return problems.problem(422, "no article in the request body")
    try:
        trace = headers.trace_from_http(request.headers.get("traceparent"))
        results = await state.publisher.publish(articles, signatures, trace)
    except TooLarge as exc:
        metrics.REJECTED.labels("too_large").inc()
        return problems.problem(413, str(exc))
    except PublishError as exc:
        metrics.ARTICLES.labels("failed").inc(len(articles))
        return _unavailable(f"broker unavailable: {exc}")
    body = orjson.dumps(_summary(results))
    return Response(body, status_code=202, media_type="application/json")


async def _readiness(request: Request) -> dict[str, Any] | None:
    state: IngestState = request.app.state.ingest
    return {} if state.ready() and await state.tail.broker_reachable() else None


def _summary(results: list[Any]) -> dict[str, Any]:
    """The response body (SubmitResponse's shape), built as plain data: with a model per
    article and the standard library's JSON it cost a twentieth of a request's CPU."""
    counts = {"accepted": 0, "duplicate": 0, "near_duplicate": 0}
    rows = []
    for r in results:
        a = r.article
        outcome = "near_duplicate" if r.status == "accepted" and a.duplicate_of else r.status
        counts[outcome] += 1
        rows.append(
            {
                "id": a.id,
                "status": r.status,
                "story_id": a.story_id,
                "duplicate_of": a.duplicate_of,
                "language": a.language,
            }
        )
    for outcome, count in counts.items():
        if count:
            metrics.ARTICLES.labels(outcome).inc(count)
    return {
        "accepted": counts["accepted"] + counts["near_duplicate"],
        "duplicates": counts["duplicate"],
        "near_duplicates": counts["near_duplicate"],
        "articles": rows,
    }


def _raw_header(headers: Any, name: str) -> bytes | None:
    for key, value in headers or ():
        if key == name:
            return bytes(value) if value is not None else None
    return None


def _unavailable(reason: str) -> Response:
    return problems.problem(503, reason, {"Retry-After": "5"})


def _article_schema(schema: dict[str, Any]) -> None:
    """Publish the ArticleIn model in OpenAPI, since the route reads its body by hand."""
    defs = ArticleIn.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.setdefault("components", {}).setdefault("schemas", {})["ArticleIn"] = defs
