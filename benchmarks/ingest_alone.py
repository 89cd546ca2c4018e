"""`python -m benchmarks.ingest_alone`: the ingest service by itself, its rate and CPU.

Starts the embedded broker and `python -m wirewatch.ingest` (nothing else), posts
distinct articles in NDJSON batches from concurrent clients, and prints the accepted
rate with the ingest process's CPU per article (from /proc) and the broker's share: the
figure to watch when changing ingest's per-article work, with nothing else on the cores.
A benchmark, never a test. `--rounds N` posts N fresh sets in the same process (later
rounds hold earlier copies of the same texts: near-duplicates, so not comparable).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.stream import CORPUS, FALLBACK, load_articles, variants
from wirewatch.core.broker import EmbeddedBroker, free_port


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def post_all(url: str, bodies: list[bytes], clients: int) -> int:
    """Every body posted once by `clients` concurrent senders; the articles accepted."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    accepted = 0

    async def sender() -> None:
        nonlocal accepted
        async with httpx.AsyncClient(timeout=60) as client:
            while not queue.empty():
                response = await client.post(
                    f"{url}/v1/articles",
                    content=queue.get_nowait(),
                    headers={"content-type": "application/x-ndjson"},
                )
                response.raise_for_status()
                accepted += response.json()["accepted"]

    await asyncio.gather(*(sender() for _ in range(clients)))
    return accepted


async def wait_ready(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            with_error = False
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                with_error = True
            await asyncio.sleep(0.5 if with_error else 0.2)
    raise TimeoutError("ingest did not become ready")


def start_ingest(broker: EmbeddedBroker) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m wirewatch.ingest` on a free port, against the broker, without limits."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    env |= {
        "WIREWATCH_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "WIREWATCH_INGEST_PORT": str(port),
        "WIREWATCH_INGEST_ALLOW_NO_AUTH": "true",
        "WIREWATCH_INGEST_RATE_LIMIT_PER_S": "1000000",
        "WIREWATCH_INGEST_RATE_LIMIT_BURST": "1000000",
        "WIREWATCH_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen([sys.executable, "-m", "wirewatch.ingest"], env=env)
    return proc, f"http://127.0.0.1:{port}"


async def measure(args: argparse.Namespace, url: str, pid: int, broker: EmbeddedBroker) -> None:
    items = load_articles(args.file)
    await wait_ready(url)
    for lap in range(args.rounds):
        batch: list[dict[str, Any]] = variants(items, args.articles, f"alone{lap}")
        bodies = [
            b"\n".join(orjson.dumps(x) for x in batch[i : i + args.batch])
            for i in range(0, len(batch), args.batch)
        ]
        cpu, broker_cpu, start = cpu_seconds(pid), broker_cpu_now(broker), time.time()
        accepted = await post_all(url, bodies, args.clients)
        wall = time.time() - start
        used = cpu_seconds(pid) - cpu
        broker_share = (broker_cpu_now(broker) - broker_cpu) / wall
        print(
            f"round {lap}: {accepted} accepted, {accepted / wall:,.0f} articles/s, "
            f"ingest CPU {used / max(accepted, 1) * 1e6:,.0f} us an article "
            f"({used / wall:.2f} cores), broker {broker_share:.2f} cores",
            flush=True,
        )


def broker_cpu_now(broker: EmbeddedBroker) -> float:
    return cpu_seconds(broker.pid) if broker.pid is not None else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=CORPUS if CORPUS.exists() else FALLBACK)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100, help="articles a request")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with EmbeddedBroker() as broker:
        proc, url = start_ingest(broker)
        try:
            asyncio.run(measure(args, url, proc.pid, broker))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)


if __name__ == "__main__":
    main()
