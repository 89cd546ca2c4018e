"""`wirewatch run`: the whole system on one machine, on the embedded broker by default."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from pathlib import Path

import httpx

from wirewatch.api.settings import ApiSettings
from wirewatch.core import kafka, logs
from wirewatch.core.broker import EmbeddedBroker
from wirewatch.core.kafka_broker import KafkaBroker, KafkaUnavailable, default_data_dir
from wirewatch.enrich.settings import EnrichSettings
from wirewatch.ingest.settings import IngestSettings
from wirewatch.supervise import Service, Supervisor

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


def _wait_ready(services: list[Service], stop: threading.Event) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    pending = list(services)
    while pending and not stop.is_set():
        for service in list(pending):
            if service.exited is not None:
                code = service.exited
                raise RuntimeError(f"{service.name} exited with code {code} while starting")
            try:
                if httpx.get(service.ready_url, timeout=2).status_code == 200:
                    pending.remove(service)
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise TimeoutError(f"not ready after {READY_TIMEOUT_S:.0f}s: {names}")
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


def _services(enrich_workers: int, env: dict[str, str]) -> list[Service]:
    """Each service process, in start order, with its environment and readiness URL."""
    ingest, api, enrich = IngestSettings(), ApiSettings(), EnrichSettings()
    out = [
        Service(
            "ingest",
            "ingest",
            env,
            f"http://{ingest.ingest_host}:{ingest.ingest_port}/readyz",
        )
    ]
    for i in range(enrich_workers):
        # Each worker of the group serves its metrics on the next port.
        port = enrich.enrich_metrics_port + i
        extra = {"WIREWATCH_ENRICH_METRICS_PORT": str(port)} if i else {}
        name = "enrich" if i == 0 else f"enrich-{i + 1}"
        url = f"http://{enrich.enrich_metrics_host}:{port}/readyz"
        out.append(Service(name, "enrich", {**env, **extra}, url))
    out.append(Service("api", "api", env, f"http://{api.api_host}:{api.api_port}/readyz"))
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
    supervisor = Supervisor(_services(enrich_workers, env))
    try:
        created = asyncio.run(
            kafka.ensure_topics(ingest.model_copy(update={"kafka_bootstrap_servers": bootstrap}))
        )
        log.info("topics ready (created: %s)", ", ".join(created) or "none")
        supervisor.start_all()
        _wait_ready(supervisor.services, stop)
        if samples is not None and not stop.is_set():
            _publish_samples(samples, f"http://{ingest.ingest_host}:{ingest.ingest_port}")
        print(_banner(ingest, api, enrich, bootstrap), flush=True)
        return _supervise(supervisor, stop, broker)
    except (RuntimeError, TimeoutError, httpx.HTTPError) as exc:
        log.error("wirewatch run failed: %s", exc)
        return 1
    finally:
        supervisor.stop_all()
        if broker is not None:
            broker.stop()
        log.info("stopped")


def _supervise(
    supervisor: Supervisor,
    stop: threading.Event,
    broker: EmbeddedBroker | KafkaBroker | None = None,
) -> int:
    """Restart services that die; end the run if the broker we own dies unrecoverably."""
    while not stop.wait(0.5):
        supervisor.check()
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
