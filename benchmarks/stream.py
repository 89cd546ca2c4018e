"""`make bench-stream`: the running system measured from outside (latency, rates, memory, API).

Starts `wirewatch run --no-samples`, posts real articles over HTTP, times their arrival
on the enriched topic (a consumer of its own) and on the SSE alert stream, compares the
streaming rate with offline analysis, loads `GET /v1/alerts` with wrk, and measures
ingest with NDJSON batches. Prints a table and writes `results.md` and `stream.png`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks import stream_api, stream_report
from benchmarks.arrivals import Arrivals
from benchmarks.stream_report import Figure, Run
from benchmarks.system import RunningSystem
from wirewatch.core.articles import iter_jsonl, validate
from wirewatch.core.settings import CommonSettings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "wikinews" / "articles.jsonl"
FALLBACK = REPO / "services" / "data" / "samples" / "wikinews-demo.jsonl"
SAMPLE = REPO / "services" / "data" / "samples" / "libya-gna-haftar.json"
FIELDS = ("id", "title", "text", "url", "published", "published_at", "source")
PHASES = ("light", "alert", "burst", "api", "ingest")


def load_articles(path: Path) -> list[dict[str, Any]]:
    """Articles as a sender posts them (only the fields ingest takes)."""
    out = []
    for _, item in iter_jsonl(path):
        if isinstance(item, dict):
            out.append({k: v for k, v in item.items() if k in FIELDS and v is not None})
    return out


async def _post(client: httpx.AsyncClient, url: str, body: bytes, ndjson: bool) -> dict[str, Any]:
    media = "application/x-ndjson" if ndjson else "application/json"
    response = await client.post(
        f"{url}/v1/articles", content=body, headers={"content-type": media}
    )
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def light(sys_: RunningSystem, arr: Arrivals, items: list[dict[str, Any]], run: Run) -> None:
    """One article every `interval` seconds: latency POST -> enriched, and -> SSE alert."""
    posted: dict[str, float] = {}
    walls: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=30) as client:
        tick = time.perf_counter()
        for item in items:
            t0, wall = time.perf_counter(), time.time()
            result = await _post(client, sys_.ingest, orjson.dumps(item), ndjson=False)
            for row in result["articles"]:
                if row["status"] == "accepted":
                    posted[row["id"]] = t0
                    walls[row["id"]] = wall
            tick += run.interval
            await asyncio.sleep(max(tick - time.perf_counter(), 0))
    await arr.wait_for(list(posted), 60)
    run.light_ms = [(arr.enriched[i] - t) * 1000 for i, t in posted.items() if i in arr.enriched]
    run.light_missing = sum(i not in arr.enriched for i in posted)
    for i, wall in walls.items():
        if i in arr.trace:
            received, started, arrived = arr.trace[i]
            run.trace_ms.append(
                ((received - wall) * 1000, (started - received) * 1000, (arrived - started) * 1000)
            )
    await asyncio.sleep(1.0)  # alerts reach the api after the enriched topic
    run.alert_ms += [(arr.alerts[i] - t) * 1000 for i, t in posted.items() if i in arr.alerts]
    run.sse_gap_ms = [
        (arr.alerts[i] - arr.enriched[i]) * 1000
        for i in posted
        if i in arr.alerts and i in arr.enriched
    ]


async def idle_alert(sys_: RunningSystem, arr: Arrivals, run: Run) -> None:
    """The sample article (it raises alerts) on an idle system: POST -> SSE alert."""
    sample = orjson.loads(SAMPLE.read_bytes())
    async with httpx.AsyncClient(timeout=30) as client:
        for k in range(run.alert_repeats):
            await asyncio.sleep(2.0)
            item = {
                **sample,
                "id": f"bench-sample-{run.tag}-{k}",
                "title": f"{sample['title']} {k}",
            }
            t0 = time.perf_counter()
            await _post(client, sys_.ingest, orjson.dumps(item), ndjson=False)
            deadline = time.monotonic() + 10
            while item["id"] not in arr.alerts and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            if item["id"] in arr.alerts:
                run.idle_alert_ms.append((arr.alerts[item["id"]] - t0) * 1000)


async def burst(sys_: RunningSystem, arr: Arrivals, items: list[dict[str, Any]], run: Run) -> None:
    """All at once in NDJSON batches of 100: the streaming rate, then offline on the same."""
    ids: list[str] = []
    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        for i in range(0, len(items), 100):
            body = b"\n".join(orjson.dumps(x) for x in items[i : i + 100])
            result = await _post(client, sys_.ingest, body, ndjson=True)
            ids += [r["id"] for r in result["articles"] if r["status"] == "accepted"]
    await arr.wait_for(ids, 1800)
    done = [arr.enriched[i] for i in ids if i in arr.enriched]
    run.burst_n = len(done)
    run.burst_s = max(done) - start
    run.burst_series = sorted(t - start for t in done)
    run.rss_mb = [b / 2**20 for b in sys_.enrich_rss_bytes()]
    run.peak_mb = [b / 2**20 for b in sys_.enrich_peak_bytes()]
    run.offline_per_s = await asyncio.to_thread(_offline_rate, items)


def _offline_rate(items: list[dict[str, Any]]) -> float:
    """What `wirewatch analyze` does with the same articles, in this process."""
    from benchmarks.bench import _analyze
    from wirewatch.core.analysis.pipeline import Analyzer

    articles = validate(items)
    analyzer = Analyzer.load()
    analyzer.analyze(articles[:8])  # warm-up, as the worker is warm
    seconds = _analyze(analyzer, articles, {})
    return len(articles) / seconds


async def ingest(sys_: RunningSystem, items: list[dict[str, Any]], run: Run) -> None:
    """NDJSON batches of 100 from `clients` concurrent senders: accepted articles/s."""
    bodies = [
        b"\n".join(orjson.dumps(x) for x in items[i : i + 100]) for i in range(0, len(items), 100)
    ]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    accepted = 0
    stamps: list[tuple[float, int]] = []

    async def sender() -> None:
        nonlocal accepted
        async with httpx.AsyncClient(timeout=60) as client:
            while not queue.empty():
                result = await _post(client, sys_.ingest, queue.get_nowait(), ndjson=True)
                accepted += result["accepted"]
                stamps.append((time.perf_counter(), result["accepted"]))

    start = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(run.ingest_clients)))
    run.ingest_s = time.perf_counter() - start
    run.ingest_n = accepted
    run.ingest_series = [(t - start, n) for t, n in stamps]


def variants(items: list[dict[str, Any]], count: int, tag: str) -> list[dict[str, Any]]:
    """`count` distinct articles: the corpus again under new ids and headlines if too short."""
    out = []
    for k in range(count):
        item = dict(items[k % len(items)])
        lap = k // len(items)
        item["id"] = f"bench-{tag}-{k}"
        item["title"] = f"{item.get('title') or ''} [{tag} {lap}]".strip()
        out.append(item)
    return out


async def measure(args: argparse.Namespace, run: Run) -> None:
    items = load_articles(args.file)
    light_items = items[: args.light]
    burst_items = items[args.light : args.light + args.burst]
    args.out.mkdir(parents=True, exist_ok=True)
    extra = dict(pair.split("=", 1) for pair in args.env)
    with RunningSystem(args.out / "system.log", args.enrich_workers, extra) as sys_:
        stop = asyncio.Event()
        arr = Arrivals()
        tasks = [
            asyncio.create_task(
                arr.follow_topic(sys_.bootstrap, CommonSettings().topic_enriched, stop)
            ),
            asyncio.create_task(arr.follow_sse(sys_.api, stop)),
        ]
        await asyncio.wait_for(asyncio.gather(arr.topic_ready.wait(), arr.sse_connected.wait()), 30)
        try:
            if "light" in args.phases:
                await light(sys_, arr, light_items, run)
            if "alert" in args.phases:
                await idle_alert(sys_, arr, run)
            if "burst" in args.phases:
                await burst(sys_, arr, burst_items, run)
            if "api" in args.phases:
                await stream_api.measure(sys_, run, args.alerts_held, args.wrk_seconds)
            if "ingest" in args.phases:
                # Ingest alone on the machine: enrich would take the cores for the backlog.
                with sys_.enrich_paused():
                    await ingest(sys_, variants(items, args.ingest, run.tag), run)
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*tasks, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=CORPUS if CORPUS.exists() else FALLBACK)
    parser.add_argument("--out", type=Path, default=REPO / ".bench" / "stream")
    parser.add_argument("--light", type=int, default=60, help="articles at light load")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between them")
    parser.add_argument("--alert-repeats", type=int, default=3, help="idle sample-article posts")
    parser.add_argument("--burst", type=int, default=300, help="articles posted at once")
    parser.add_argument("--alerts-held", type=int, default=2300, help="alerts in the api's view")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--ingest", type=int, default=10_000, help="articles for the ingest rate")
    parser.add_argument("--ingest-clients", type=int, default=4)
    parser.add_argument("--enrich-workers", type=int, default=1)
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="a setting for the system"
    )
    parser.add_argument(
        "--phases", default=",".join(PHASES), help=f"comma-separated subset of {PHASES}"
    )
    args = parser.parse_args()
    args.phases = set(args.phases.split(","))
    run = Run(
        tag=f"{int(time.time())}",
        interval=args.interval,
        alert_repeats=args.alert_repeats,
        ingest_clients=args.ingest_clients,
        enrich_workers=args.enrich_workers,
        corpus=str(args.file),
    )
    asyncio.run(measure(args, run))
    figures: list[Figure] = stream_report.figures(run)
    table = stream_report.table(run, figures)
    print(table)
    (args.out / "results.md").write_text(table + "\n")
    (args.out / "run.json").write_bytes(orjson.dumps(dataclasses.asdict(run)))
    stream_report.plot(run, args.out / "stream.png")
    print(f"wrote {args.out / 'results.md'} and {args.out / 'stream.png'}")


if __name__ == "__main__":
    main()
