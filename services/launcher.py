"""`wirewatch run`: the whole system on one machine, on the embedded broker by default."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from services.api.settings import ApiSettings
from services.core import kafka, logs
from services.core.broker import EmbeddedBroker
from services.core.kafka_broker import KafkaBroker, KafkaUnavailable, default_data_dir
from services.core.lifecycle import die_with_parent
from services.enrich.settings import EnrichSettings
from services.ingest.settings import IngestSettings

log = logging.getLogger("wirewatch.run")
DEMO_SAMPLES = Path(__file__).resolve().parent / "data" / "samples" / "wikinews-demo.jsonl"
SAMPLE_ARTICLE = Path(__file__).resolve().parent / "data" / "samples" / "libya-gna-haftar.json"
READY_TIMEOUT_S = 180.0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        if stop.is_set():
            os._exit(128 + signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def _wait_ready(
    urls: dict[str, str], procs: dict[str, subprocess.Popen[bytes]], stop: threading.Event
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    pending = dict(urls)
    while pending and not stop.is_set():
        for name, url in list(pending.items()):
            if procs[name].poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {procs[name].returncode} while starting"
                )
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready after {READY_TIMEOUT_S:.0f}s: {', '.join(pending)}")
        stop.wait(0.3)


def _publish_samples(path: Path, ingest_url: str) -> None:
    body = path.read_bytes()
    media = "application/x-ndjson" if path.suffix in {".jsonl", ".ndjson"} else "application/json"
    response = httpx.post(
        f"{ingest_url}/v1/articles", content=body, headers={"content-type": media}, timeout=60
    )
    response.raise_for_status()
    result = response.json()
    log.info(
        "published %s: %d accepted, %d duplicates",
        path.name,
        result["accepted"],
        result["duplicates"],
    )


def _banner(
    ingest: IngestSettings, api: ApiSettings, enrich: EnrichSettings, bootstrap: str
) -> str:
    api_url = f"http://{api.api_host}:{api.api_port}"
    ingest_url = f"http://{ingest.ingest_host}:{ingest.ingest_port}"

    def on(name: str) -> bool:
        return os.environ.get(name, "true").lower() in {"1", "true", "yes"}

    reads = "api reads open" if on("WIREWATCH_API_ANONYMOUS_READ") else "api keys required"
    writes = (
        "ingest writes need keys"
        if ingest.ingest_api_keys or not on("WIREWATCH_INGEST_ALLOW_NO_AUTH")
        else "ingest OFF: anyone on this machine may post (demo)"
    )
    auth = f"{reads}; {writes}"
    return f"""
wirewatch is running (Ctrl-C stops everything)
  API            {api_url}   (alerts: {api_url}/v1/alerts, docs: {api_url}/docs)
  ingest         {ingest_url}   (POST {ingest_url}/v1/articles)
  enrich metrics http://{enrich.enrich_metrics_host}:{enrich.enrich_metrics_port}/metrics
  Kafka          {bootstrap}
  topics         {", ".join(ingest.all_topics())}
  authentication {auth}
Try:
  curl -s -X POST {ingest_url}/v1/articles -H 'content-type: application/json' \\
       --data-binary @{_shown(SAMPLE_ARTICLE)}
  curl -s '{api_url}/v1/alerts?limit=5'
"""


def _shown(path: Path) -> str:
    """The path relative to the working directory when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _stop_all(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for name, proc in procs.items():
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in 20s; killing it", name)
            proc.kill()
            proc.wait()


def _processes(enrich_workers: int) -> list[tuple[str, str, dict[str, str]]]:
    """(name, module, extra environment) of each service process, in start order."""
    out: list[tuple[str, str, dict[str, str]]] = [("ingest", "ingest", {})]
    base = EnrichSettings().enrich_metrics_port
    for i in range(enrich_workers):
        # Each worker of the group serves its metrics on the next port.
        extra = {"WIREWATCH_ENRICH_METRICS_PORT": str(base + i)} if i else {}
        out.append(("enrich" if i == 0 else f"enrich-{i + 1}", "enrich", extra))
    out.append(("api", "api", {}))
    return out


def _start_broker(kind: str, data_dir: Path | None) -> EmbeddedBroker | KafkaBroker:
    if kind == "kafka":
        return KafkaBroker(data_dir or default_data_dir()).start()
    broker = EmbeddedBroker().start()
    log.info(
        "embedded broker (Tansu, memory only): nothing survives a stop; topic configs "
        "(retention, compaction) are recorded but not enforced; no idempotence or transactions"
    )
    return broker


def launch(
    samples: Path | None = DEMO_SAMPLES,
    enrich_workers: int = 1,
    broker_kind: str = "tansu",
    data_dir: Path | None = None,
) -> int:
    """Start broker (unless one is configured), topics and services; block until a signal."""
    ingest, api, enrich = IngestSettings(), ApiSettings(), EnrichSettings()
    logs.configure(ingest.log_level, ingest.log_format)
    stop = _stop_on_signals()
    env = dict(os.environ)
    # The demo opens reads to anyone on this machine unless told otherwise.
    env.setdefault("WIREWATCH_API_ANONYMOUS_READ", "true")
    env.setdefault("WIREWATCH_INGEST_ALLOW_NO_AUTH", "true")
    broker = None
    if "WIREWATCH_KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        try:
            broker = _start_broker(broker_kind, data_dir)
        except (KafkaUnavailable, RuntimeError, TimeoutError) as exc:
            log.error("wirewatch run failed: %s", exc)
            return 1
        env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers
    bootstrap = env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"]
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        created = asyncio.run(
            kafka.ensure_topics(ingest.model_copy(update={"kafka_bootstrap_servers": bootstrap}))
        )
        log.info("topics ready (created: %s)", ", ".join(created) or "none")
        ready: dict[str, str] = {}
        for name, module, extra in _processes(enrich_workers):
            # A session of its own: Ctrl-C reaches only us, and we stop the services in order.
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{module}"],
                env={**env, **extra},
                start_new_session=True,
                preexec_fn=die_with_parent,  # a killed launcher leaves no service behind
            )
            port = int(extra.get("WIREWATCH_ENRICH_METRICS_PORT", enrich.enrich_metrics_port))
            ready[name] = {
                "ingest": f"http://{ingest.ingest_host}:{ingest.ingest_port}/readyz",
                "api": f"http://{api.api_host}:{api.api_port}/readyz",
                "enrich": f"http://{enrich.enrich_metrics_host}:{port}/readyz",
            }[module]
        _wait_ready(ready, procs, stop)
        if samples is not None and not stop.is_set():
            _publish_samples(samples, f"http://{ingest.ingest_host}:{ingest.ingest_port}")
        print(_banner(ingest, api, enrich, bootstrap), flush=True)
        return _supervise(procs, stop, broker)
    except (RuntimeError, TimeoutError, httpx.HTTPError) as exc:
        log.error("wirewatch run failed: %s", exc)
        return 1
    finally:
        _stop_all(procs)
        if broker is not None:
            broker.stop()
        log.info("stopped")


def _supervise(
    procs: dict[str, subprocess.Popen[bytes]],
    stop: threading.Event,
    broker: EmbeddedBroker | KafkaBroker | None = None,
) -> int:
    while not stop.wait(1.0):
        for name, proc in procs.items():
            if proc.poll() is not None:
                log.error("%s exited with code %d; stopping everything", name, proc.returncode)
                return 1
        if broker is not None and not broker.running and not _broker_back(broker):
            return 1
    return 0


def _broker_back(broker: EmbeddedBroker | KafkaBroker) -> bool:
    """A broker we started has died: Kafka restarts on its data; Tansu's data is gone."""
    if isinstance(broker, EmbeddedBroker):
        log.error("the embedded broker died; its data (memory only) is gone: stopping everything")
        return False
    log.error("Kafka died; restarting it on %s", broker.data_dir)
    try:
        broker.stop()
        broker.start()
    except (RuntimeError, TimeoutError) as exc:
        log.error("Kafka did not come back (%s): stopping everything", exc)
        return False
    return True
