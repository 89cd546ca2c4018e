"""The running system as the stream benchmark sees it: `wirewatch run`, from outside."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from wirewatch.core.broker import free_port

BANNER = "wirewatch is running"
KAFKA_LINE = re.compile(r"^\s*Kafka\s+(\S+)", re.MULTILINE)


class RunningSystem:
    """`wirewatch run --no-samples` on free loopback ports, its output in `log`."""

    def __init__(self, log: Path, enrich_workers: int = 1, extra_env: dict[str, str] | None = None):
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
        ports = {name: free_port() for name in ("API", "INGEST", "ENRICH_METRICS")}
        env.update({f"WIREWATCH_{name}_PORT": str(port) for name, port in ports.items()})
        # A benchmark measures the system, not its per-client rate limits.
        for service in ("API", "INGEST"):
            env[f"WIREWATCH_{service}_RATE_LIMIT_PER_S"] = "1000000"
            env[f"WIREWATCH_{service}_RATE_LIMIT_BURST"] = "1000000"
        env["PYTHONUNBUFFERED"] = "1"
        env.update(extra_env or {})
        self.env = env
        self.enrich_workers = enrich_workers
        self.api = f"http://127.0.0.1:{ports['API']}"
        self.ingest = f"http://127.0.0.1:{ports['INGEST']}"
        self.enrich_metrics = [
            f"http://127.0.0.1:{ports['ENRICH_METRICS'] + i}/metrics" for i in range(enrich_workers)
        ]
        self.bootstrap = ""
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RunningSystem:
        cmd = [sys.executable, "-m", "wirewatch.cli", "run", "--no-samples"]
        if self.enrich_workers != 1:
            cmd += ["--enrich-workers", str(self.enrich_workers)]
        with self.log.open("wb") as out:
            self._proc = subprocess.Popen(cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while BANNER not in (text := self.log.read_text(errors="replace")):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"the system did not start:\n{text[-3000:]}")
            time.sleep(0.3)
        found = KAFKA_LINE.search(text[text.index(BANNER) :])
        if found is None:
            raise RuntimeError("no Kafka address in the banner")
        self.bootstrap = found.group(1)
        return self

    def __exit__(self, *_: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def enrich_pids(self) -> list[int]:
        """The enrich workers this launcher started (children running `-m wirewatch.enrich`)."""
        assert self._proc is not None
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == self._proc.pid and b"wirewatch.enrich" in cmdline:
                found.append(int(entry.name))
        return found

    @contextlib.contextmanager
    def enrich_paused(self) -> Iterator[None]:
        """SIGSTOP the enrich workers meanwhile, so that what is measured has the cores."""
        pids = self.enrich_pids()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)

    def enrich_peak_bytes(self) -> list[float]:
        """The most resident memory each enrich worker has held (VmHWM), what a limit must fit."""
        out = []
        for pid in self.enrich_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out.append(float(line.split()[1]) * 1024)
        return out

    def enrich_rss_bytes(self) -> list[float]:
        """Resident memory of each enrich worker, from its own process metrics."""
        out = []
        for url in self.enrich_metrics:
            for line in httpx.get(url, timeout=5).text.splitlines():
                if line.startswith("process_resident_memory_bytes "):
                    out.append(float(line.split()[1]))
        return out
