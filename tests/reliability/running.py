"""The running system of the reliability tests: `wirewatch run` on the session's broker,
articles to post, and what is on its topics and in its metrics."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.conftest import REPO
from tests.e2e.system import System, post_ndjson
from tests.e2e.test_supervision import _children
from tests.helpers import read_topic

BATCH = 16  # WIREWATCH_ENRICH_BATCH_SIZE's default: what one kill may repeat on Tansu


def worker_pids(system: System) -> list[int]:
    return sorted(
        pid
        for pid in _children(system.proc.pid)
        if b"wirewatch.enrich" in Path(f"/proc/{pid}/cmdline").read_bytes()
    )


def _words() -> list[str]:
    """Ordinary lower-case words of the bundled demo articles: none new to the model."""
    demo = REPO / "services" / "data" / "samples" / "wikinews-demo.jsonl"
    text = " ".join(orjson.loads(line)["text"] for line in demo.read_bytes().splitlines())
    # Not the rules' terms: the soak measures enrich's memory, not a flood of alerts.
    rules = (REPO / "services" / "data" / "rules.yaml").read_text().lower()
    return sorted(w for w in set(re.findall(r"\b[a-z]{4,}\b", text)) if w not in rules)


def articles(count: int, tag: str) -> list[dict[str, Any]]:
    """Short articles with entities, each made distinct (no near-duplicates) by a draw of
    ordinary words: no word is new, so a long run does not grow spaCy's vocabulary with
    made-up tokens (real news adds far fewer new words than one per article)."""
    names = ["Angela Merkel", "Emmanuel Macron", "Fayez Al-Sarraj", "Khalifa Haftar"]
    places = ["Paris", "Berlin", "Tripoli", "Ankara"]
    words = _words()
    rng = random.Random(tag)
    out = []
    for i in range(count):
        own = " ".join(rng.sample(words, 12))
        text = (
            f"{names[i % 4]} met officials in {places[(i // 4) % 4]}. "
            f"The talks about trade were described as difficult. {own}."
        )
        title = "Talks on " + " ".join(rng.sample(words, 3))
        out.append({"id": f"{tag}-{i}", "title": title, "text": text})
    return out


def post(system: System, items: list[dict[str, Any]]) -> set[str]:
    return post_ndjson(system.ingest, items)


def enriched(system: System, want: set[str], timeout_s: float) -> Counter[str]:
    """Keys on the enriched topic once all of `want` are there (or time runs out), read
    on past the last so that a repeat would show."""
    bootstrap = system.env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"]
    topic = system.env["WIREWATCH_TOPIC_ENRICHED"]
    deadline = time.monotonic() + timeout_s
    while True:
        seen = asyncio.run(read_topic(bootstrap, topic, want=len(want), timeout_s=10))
        keys = Counter(r.key.decode() for r in seen)
        if want <= set(keys) or time.monotonic() > deadline:
            break
    more = asyncio.run(read_topic(bootstrap, topic, want=10 * len(want) + 10, timeout_s=5))
    return Counter(r.key.decode() for r in more)


def wait_workers(system: System, count: int, timeout_s: float = 120) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while len(pids := worker_pids(system)) != count:
        assert time.monotonic() < deadline, system.log.read_text()[-3000:]
        time.sleep(0.2)
    return pids


def wait_ready(system: System, count: int, timeout_s: float = 180) -> None:
    """Until the `count` enrich workers answer /readyz 200 (models loaded, group joined)."""
    base = int(system.env["WIREWATCH_ENRICH_METRICS_PORT"])
    deadline = time.monotonic() + timeout_s
    for port in range(base, base + count):
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, system.log.read_text()[-3000:]
            time.sleep(0.2)


def enriched_so_far(system: System) -> int:
    bootstrap = system.env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"]
    topic = system.env["WIREWATCH_TOPIC_ENRICHED"]
    return len(asyncio.run(read_topic(bootstrap, topic, want=10**9, timeout_s=1)))


def metric(url: str, name: str) -> float:
    text = httpx.get(url, timeout=5).text
    return sum(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def arm(system: System, name: str, content: str = "") -> None:
    folder = Path(system.env["WIREWATCH_FAILPOINTS_DIR"])
    (folder / f".{name}").write_text(content)
    (folder / f".{name}").rename(folder / name)  # whole, never half-written
