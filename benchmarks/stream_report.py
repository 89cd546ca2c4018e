"""What the stream benchmark measured: the figures against their bars, a table and a plot."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Run:
    tag: str
    interval: float
    alert_repeats: int
    ingest_clients: int
    enrich_workers: int
    corpus: str
    light_ms: list[float] = field(default_factory=list)
    light_missing: int = 0
    sse_gap_ms: list[float] = field(default_factory=list)
    trace_ms: list[tuple[float, float, float]] = field(default_factory=list)
    alert_ms: list[float] = field(default_factory=list)
    idle_alert_ms: list[float] = field(default_factory=list)
    burst_n: int = 0
    burst_s: float = 0.0
    burst_series: list[float] = field(default_factory=list)
    offline_per_s: float = 0.0
    rss_mb: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    alerts_held: int = 0
    api: dict[str, Any] = field(default_factory=dict)
    ingest_n: int = 0
    ingest_s: float = 0.0
    ingest_series: list[tuple[float, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    name: str
    value: str
    bar: str
    ok: bool | None  # None: no bar, or not measured


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(round(p / 100 * len(ordered) + 0.5) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]


def _latency(run: Run) -> list[Figure]:
    out = []
    if run.light_ms:
        p50, p95, top = pct(run.light_ms, 50), pct(run.light_ms, 95), max(run.light_ms)
        out.append(
            Figure(
                f"POST -> enriched, one article every {run.interval:g} s ({len(run.light_ms)})",
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {top:.0f} ms"
                + (f", {run.light_missing} missing" if run.light_missing else ""),
                "p95 <= 250 ms, max <= 500 ms",
                p95 <= 250 and top <= 500 and not run.light_missing,
            )
        )
    if run.trace_ms:
        parts = [pct([t[k] for t in run.trace_ms], 50) for k in range(3)]
        out.append(
            Figure(
                "  where it goes (p50): POST -> ingest's clock, -> enrich starts, -> arrival",
                f"{parts[0]:.0f} / {parts[1]:.0f} / {parts[2]:.0f} ms",
                "",
                None,
            )
        )
    if run.alert_ms:
        out.append(
            Figure(
                f"POST -> alert on SSE, same load ({len(run.alert_ms)} articles with alerts)",
                f"p50 {pct(run.alert_ms, 50):.0f} ms, max {max(run.alert_ms):.0f} ms; "
                f"after the enriched message p50 {pct(run.sse_gap_ms or [0], 50):.0f} ms",
                "",
                None,
            )
        )
    if run.idle_alert_ms:
        worst = max(run.idle_alert_ms)
        shown = ", ".join(f"{v:.0f}" for v in run.idle_alert_ms)
        out.append(
            Figure("POST -> alert on SSE, idle system", f"{shown} ms", "<= 300 ms", worst <= 300)
        )
    return out


def _rates(run: Run) -> list[Figure]:
    out = []
    if run.ingest_s:
        rate = run.ingest_n / run.ingest_s
        out.append(
            Figure(
                f"ingest, NDJSON batches of 100 ({run.ingest_n}, {run.ingest_clients} clients)",
                f"{rate:,.0f} articles/s",
                ">= 5,000 articles/s",
                rate >= 5000,
            )
        )
    if run.burst_s and run.offline_per_s:
        streaming = run.burst_n / run.burst_s
        ratio = streaming / run.offline_per_s
        out.append(
            Figure(
                f"streaming enrich / offline analyze ({run.burst_n} articles, "
                f"{run.enrich_workers} worker{'s' if run.enrich_workers > 1 else ''})",
                f"{streaming:.1f} / {run.offline_per_s:.1f} articles/s = {ratio:.2f}",
                ">= 0.95",
                ratio >= 0.95,
            )
        )
    if run.rss_mb:
        worst = max(run.rss_mb)
        shown = ", ".join(f"{v:.0f}" for v in run.rss_mb)
        out.append(Figure("enrich RSS after the burst", f"{shown} MB", "<= 400 MB", worst <= 400))
    if run.peak_mb:
        # The high-water mark is what a memory limit has to fit, so it is held to the same bar.
        worst = max(run.peak_mb)
        shown = ", ".join(f"{v:.0f}" for v in run.peak_mb)
        out.append(Figure("enrich peak RSS (VmHWM)", f"{shown} MB", "<= 400 MB", worst <= 400))
    return out


def _api(run: Run) -> list[Figure]:
    out = []
    for name, f in run.api.items():
        ok = f["rps"] >= 2000 and f.get("p99", 1e9) <= 50 and not f["non2xx"]
        out.append(
            Figure(
                f"GET /v1/alerts?limit=50 ({name}), {run.alerts_held:,} alerts, 32 clients",
                f"{f['rps']:,.0f} req/s, p50 {f.get('p50', 0):.1f} ms, p99 {f.get('p99', 0):.1f} ms"
                f"; {f['page_kb']:.0f} KB a page",
                ">= 2,000 req/s, p99 <= 50 ms",
                ok,
            )
        )
    return out


def figures(run: Run) -> list[Figure]:
    return [*_latency(run), *_rates(run), *_api(run)]


def table(run: Run, rows: list[Figure]) -> str:
    head = (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; corpus {Path(run.corpus).name}\n\n"
        "| figure | measured | bar | met |\n|---|---|---|---|"
    )
    marks = {True: "yes", False: "**no**", None: ""}
    lines = [f"| {r.name} | {r.value} | {r.bar} | {marks[r.ok]} |" for r in rows]
    return "\n".join([head, *lines])


def plot(run: Run, path: Path) -> None:
    """Latency distribution at light load; enrich and ingest rates over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4))
    if run.light_ms:
        left.hist(run.light_ms, bins=30, color="#4c72b0", label="POST -> enriched")
    if run.alert_ms or run.idle_alert_ms:
        left.hist(run.alert_ms + run.idle_alert_ms, bins=30, alpha=0.6, label="POST -> SSE alert")
    left.axvline(250, color="grey", linestyle="--", linewidth=1)
    left.set(xlabel="milliseconds", ylabel="articles", title="Latency, one article every 0.5 s")
    if run.light_ms or run.alert_ms or run.idle_alert_ms:
        left.legend()
    _rate(middle, run.burst_series, 10.0, "Streaming enrich (burst, 10 s bins)")
    if run.offline_per_s:
        middle.axhline(run.offline_per_s, color="grey", linestyle="--", label="offline analyze")
        middle.legend()
    stamps = [t for t, n in sorted(run.ingest_series) for _ in range(n)]
    _rate(right, stamps, 1.0, "Ingest, NDJSON batches of 100")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _rate(ax: Any, times: list[float], width: float, title: str) -> None:
    """Articles a second in bins of `width` seconds."""
    ax.set(xlabel="seconds since first POST", ylabel="articles/s", title=title)
    if not times:
        return
    bins = int(max(times) // width) + 1
    counts = [0] * bins
    for t in times:
        counts[int(t // width)] += 1
    ax.step([i * width for i in range(bins)], [c / width for c in counts], where="post")
