"""Apache Kafka (KRaft, one node) from `make kafka`'s jars, with its data in a directory."""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import IO

from wirewatch.core.broker import _port_open, free_port, stop_process
from wirewatch.core.lifecycle import die_with_parent

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[2]
DEFAULT_LIB = REPO / ".kafka" / "lib"
HOST = "127.0.0.1"
LOG4J = """status = error
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = FILE
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
"""


def default_data_dir() -> Path:
    """Where `wirewatch run --broker kafka` keeps Kafka's data unless told otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wirewatch" / "kafka"


class KafkaUnavailable(RuntimeError):
    """The jars or Java are missing: `make kafka` (and a JDK 17) first."""


def cluster_id() -> str:
    """A random KRaft cluster id (base64url of a UUID) that does not start with "-", which
    the storage tool would read as an option and refuse (as Kafka's own ids avoid it)."""
    while True:
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster.startswith("-"):
            return cluster


class KafkaBroker:
    """A single-node KRaft broker and controller on loopback; its log dirs in `data_dir`.

    Formats the directory the first time; afterwards keeps its cluster id and ports, so
    a restart on the same directory is the same cluster with every topic kept.
    """

    def __init__(self, data_dir: Path, lib: Path = DEFAULT_LIB, heap_mb: int = 512):
        self.data_dir = data_dir.resolve()
        self.lib = lib
        self.heap_mb = heap_mb
        self._proc: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None
        self.port, self.controller_port = self._ports()

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.port}"

    def _ports(self) -> tuple[int, int]:
        state = self.data_dir / "wirewatch-broker.json"
        if state.exists():
            saved = json.loads(state.read_text())
            return int(saved["port"]), int(saved["controller_port"])
        return free_port(HOST), free_port(HOST)

    def _java(self) -> list[str]:
        java = shutil.which("java")
        if java is None or not any(self.lib.glob("kafka_2.13-*.jar")):
            raise KafkaUnavailable(f"Apache Kafka is not installed in {self.lib}: run `make kafka`")
        return [
            java,
            f"-Xmx{self.heap_mb}m",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-cp",
            str(self.lib / "*"),
        ]

    def _configure(self) -> Path:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        properties = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{HOST}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{HOST}:{self.port},CONTROLLER://{HOST}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(logs),
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "message.max.bytes": str(4 * 1024 * 1024),
        }
        config = self.data_dir / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
        (self.data_dir / "log4j2.properties").write_text(
            LOG4J.format(log=self.data_dir / "kafka.log")
        )
        (self.data_dir / "wirewatch-broker.json").write_text(
            json.dumps({"port": self.port, "controller_port": self.controller_port})
        )
        return config

    def start(self, timeout_s: float = 90.0) -> KafkaBroker:
        """Format (first time), start, and wait until the broker accepts connections."""
        java = self._java()
        config = self._configure()
        if not (self.data_dir / "logs" / "meta.properties").exists():
            cluster = cluster_id()
            fmt = [*java, "kafka.tools.StorageTool", "format", "-t", cluster, "-c", str(config)]
            subprocess.run(fmt, check=True, capture_output=True, timeout=120)
            log.info("formatted Kafka storage in %s (cluster %s)", self.data_dir, cluster)
        self._out = (self.data_dir / "kafka.out").open("ab")
        self._proc = subprocess.Popen(
            [*java, "kafka.Kafka", str(config)],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the launcher, which stops it last
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + timeout_s
        while not _port_open(HOST, self.port):
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"Kafka exited with code {self._proc.returncode}; see {self.data_dir}/kafka.log"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(
                    f"Kafka did not listen on {self.bootstrap_servers} in {timeout_s}s"
                )
            time.sleep(0.2)
        log.info("Apache Kafka listening on %s, data in %s", self.bootstrap_servers, self.data_dir)
        return self

    def stop(self, timeout_s: float = 60.0) -> None:
        """SIGTERM (a controlled shutdown that flushes the logs), then SIGKILL if it lingers."""
        proc, self._proc = self._proc, None
        stop_process(proc, timeout_s)
        if self._out is not None:
            self._out.close()
            self._out = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs (fault-injection tests pause it)."""
        return self._proc.pid if self.running and self._proc is not None else None

    def __enter__(self) -> KafkaBroker:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
