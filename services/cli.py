"""The `wirewatch` command: run a service, the whole system, or a tool (analyze, replay, ...)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from wirewatch.core.errors import InputError, OperationError
from wirewatch.tools import output
from wirewatch.tools.train_cli import add_commands as add_train_commands

Command = Callable[[argparse.Namespace], int]


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """--help shows each option's default."""


class _Parser(argparse.ArgumentParser):
    """Sub-commands' parsers show defaults in --help as the top level does."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def _service(name: str) -> Command:
    def run(_: argparse.Namespace) -> int:
        module = __import__(f"wirewatch.{name}.__main__", fromlist=["main"])
        module.main()
        return 0

    return run


def _run(args: argparse.Namespace) -> int:
    from wirewatch.launcher import DEMO_SAMPLES, launch

    samples = None if args.no_samples else (args.samples or DEMO_SAMPLES)
    return launch(
        samples=samples,
        enrich_workers=args.enrich_workers,
        broker_kind=args.broker,
        data_dir=args.data_dir,
    )


def _analyze(args: argparse.Namespace) -> int:
    from wirewatch.tools.analyze import analyze

    return analyze(args.file, sys.stdout)


def _replay(args: argparse.Namespace) -> int:
    from wirewatch.tools.replay import replay

    return replay(args.file, args.url, args.batch, args.rate, args.api_key, args.format)


def _post(args: argparse.Namespace) -> int:
    from wirewatch.tools.replay import post_file

    return post_file(args.file, args.url, args.api_key)


def _topics(args: argparse.Namespace) -> int:
    import asyncio

    from wirewatch.core import kafka, logs
    from wirewatch.core.settings import CommonSettings

    settings = CommonSettings()
    logs.configure(settings.log_level, settings.log_format)
    created = asyncio.run(kafka.ensure_topics(settings))
    drift = asyncio.run(kafka.topic_drift(settings))
    if args.format == "json":
        output.json_lines([{"created": created, "config_differs": drift}])
    else:
        print(f"topics ready; created: {', '.join(created) or 'none'}")
    for problem in drift:
        print(f"config differs: {problem}", file=sys.stderr)
    return 1 if drift else 0


def _rules_test(args: argparse.Namespace) -> int:
    from wirewatch.tools.backtest import backtest

    if (args.file is None) == (not args.from_topic):
        print("wirewatch rules test: give either --file FILE or --from-topic", file=sys.stderr)
        return 2
    return backtest(args.rules, args.file, args.from_topic, args.limit, args.examples, args.format)


def _eval_dedup(args: argparse.Namespace) -> int:
    from wirewatch.tools.dedup_eval import run

    return run(args.file, args.limit, args.threshold, args.format)


def _eval_ner(args: argparse.Namespace) -> int:
    from wirewatch.tools.ner_eval import run

    return run(args.file, args.format)


def _eval_alerts(args: argparse.Namespace) -> int:
    from wirewatch.tools.alert_eval import run

    return run(args.rules, args.file, args.split, args.show, args.format)


def _sentiment(args: argparse.Namespace) -> int:
    from wirewatch.tools.sentiment import run

    return run(args.file)


def _eval_sentiment(args: argparse.Namespace) -> int:
    from wirewatch.tools.sentiment import run_eval

    return run_eval(args.files, args.method, args.format)


def _healthcheck(_: argparse.Namespace) -> int:
    """0 if a wirewatch service on this host answers /healthz on its configured port."""
    from wirewatch.api.settings import ApiSettings
    from wirewatch.enrich.settings import EnrichSettings
    from wirewatch.ingest.settings import IngestSettings

    ports = (
        ApiSettings().api_port,
        IngestSettings().ingest_port,
        EnrichSettings().enrich_metrics_port,
    )
    for port in ports:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=3).status_code == 200:
                return 0
        except httpx.HTTPError:
            continue
    print("wirewatch healthcheck: no service answers /healthz", file=sys.stderr)
    return 1


def _schemas(args: argparse.Namespace) -> int:
    from wirewatch.tools.schemas import write_schemas

    return write_schemas(args.out, check=args.check)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wirewatch", description=__doc__, formatter_class=_Help)
    parser.add_argument("--version", action="version", version=f"wirewatch {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, text in (
        ("ingest", "run the ingest service (HTTP push to the raw topic)"),
        ("enrich", "run the enrich worker (raw -> enriched articles and alerts)"),
        ("api", "run the api service (alerts, health, metrics)"),
    ):
        sub.add_parser(name, help=text).set_defaults(func=_service(name))
    run = sub.add_parser("run", help="run everything: embedded broker, topics, the 3 services")
    run.add_argument(
        "--samples",
        type=Path,
        help="JSON/JSONL articles to publish at start (default: 25 bundled Wikinews articles)",
    )
    run.add_argument("--no-samples", action="store_true", help="publish no sample articles")
    run.add_argument(
        "--enrich-workers",
        type=int,
        default=1,
        choices=range(1, 33),
        metavar="N",
        help="enrich processes in the consumer group (default 1)",
    )
    run.add_argument(
        "--broker",
        choices=["tansu", "kafka"],
        default="tansu",
        help="tansu: embedded, memory only (default); kafka: Apache Kafka from `make kafka`, "
        "its data kept in --data-dir (ignored when WIREWATCH_KAFKA_BOOTSTRAP_SERVERS is set)",
    )
    run.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="Kafka's data directory (default: ~/.local/share/wirewatch/kafka)",
    )
    run.set_defaults(func=_run)
    health = sub.add_parser(
        "healthcheck", help="exit 0 if a service on this host answers /healthz (for containers)"
    )
    health.set_defaults(func=_healthcheck)
    topics = sub.add_parser("topics", help="create the missing topics (WIREWATCH_TOPIC_*)")
    output.add_option(topics)
    topics.set_defaults(func=_topics)
    analyze = sub.add_parser(
        "analyze", help="enrich articles (JSON, JSONL, or .txt: first line the title), no Kafka"
    )
    analyze.add_argument("file", nargs="?", type=Path, help="input file (default: stdin)")
    analyze.set_defaults(func=_analyze)
    for name, func, text in (
        ("replay", _replay, "publish a JSONL file of articles through the ingest service"),
        ("post", _post, "post one article file (.txt: first line is the title; or JSON/JSONL)"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("file", type=Path)
        cmd.add_argument(
            "--url",
            default=_ingest_url(),
            help="ingest base URL (the default follows WIREWATCH_INGEST_HOST and _PORT)",
        )
        cmd.add_argument("--api-key", default=None, help="X-API-Key to send, if ingest needs one")
        if name == "replay":
            cmd.add_argument("--batch", type=int, default=100, help="articles per request")
            cmd.add_argument("--rate", type=float, default=0.0, help="articles/s (0: unlimited)")
            output.add_option(cmd)
        cmd.set_defaults(func=func)
    rules = sub.add_parser("rules", help="alert rule tools").add_subparsers(
        dest="rules", required=True
    )
    test = rules.add_parser("test", help="backtest a rule file over history, publishing nothing")
    test.add_argument("rules", type=Path, help="rules YAML")
    test.add_argument("--file", type=Path, help="JSONL articles, enriched on the fly")
    test.add_argument("--from-topic", action="store_true", help="the enriched topic from the start")
    test.add_argument("--limit", type=int, default=0, help="first N articles (0: all)")
    test.add_argument("--examples", type=int, default=3, help="examples per rule")
    output.add_option(test)
    test.set_defaults(func=_rules_test)
    evals = sub.add_parser("eval", help="quality measurements").add_subparsers(
        dest="eval", required=True
    )
    dedup = evals.add_parser(
        "dedup", help="near-duplicate precision/recall on copies built from FILE"
    )
    dedup.add_argument("file", type=Path, help="JSONL articles (Wikinews format)")
    dedup.add_argument("--limit", type=int, default=300, help="originals to sample")
    dedup.add_argument("--threshold", type=float, default=0.5)
    output.add_option(dedup)
    dedup.set_defaults(func=_eval_dedup)
    ner = evals.add_parser("ner", help="entity precision/recall/F1 by type on annotated JSONL")
    ner.add_argument("file", type=Path, help="{id, text, entities: [{start, end, label}]} per line")
    output.add_option(ner)
    ner.set_defaults(func=_eval_ner)
    alerts = evals.add_parser(
        "alerts", help="a rule set's precision/recall per desk on articles judged by reading"
    )
    alerts.add_argument("rules", type=Path, help="rules YAML")
    alerts.add_argument("file", type=Path, help="labelled JSONL(.gz): articles with `desks`")
    alerts.add_argument(
        "--split", default="all", metavar="SPLIT",
        help="only the articles whose `split` is this (tune, test, round-3, ...); all: every one",
    )  # fmt: skip
    alerts.add_argument(
        "--show", choices=["errors", "all", "none"], default="errors",
        help="list each alert (and each miss) with why it fired",
    )  # fmt: skip
    output.add_option(alerts)
    alerts.set_defaults(func=_eval_alerts)
    polarity = evals.add_parser(
        "sentiment", help="target sentiment accuracy, P/R/F1 by class, macro-F1 (NewsMTSC format)"
    )
    polarity.add_argument("files", type=Path, nargs="+", help="NewsMTSC JSONL files")
    polarity.add_argument("--method", choices=["model", "vader"], default="model")
    output.add_option(polarity)
    polarity.set_defaults(func=_eval_sentiment)
    sentiment = sub.add_parser(
        "sentiment", help="sentiment toward marked targets, JSONL in, JSONL out, line for line"
    )
    sentiment.add_argument("file", nargs="?", type=Path, help="input file (default: stdin)")
    sentiment.set_defaults(func=_sentiment)
    add_train_commands(sub)
    schemas = sub.add_parser(
        "schemas",
        help="the topic messages' JSON Schemas: --out DIR writes them there; in a checkout, "
        "no --out rewrites schemas/ and the packaged copy",
    )
    schemas.add_argument("--out", type=Path, default=None, help="directory to write them to")
    schemas.add_argument("--check", action="store_true", help="fail if the files are stale")
    schemas.set_defaults(func=_schemas)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit codes: 0 done, 1 the operation failed, 2 bad usage or input (argparse's too).
    A user's mistake gets one line on stderr, never a traceback."""
    args = _parser().parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except (InputError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        return _fail(args, exc, 2)
    except (OperationError, httpx.HTTPError) as exc:
        return _fail(args, exc, 1)
    except KeyboardInterrupt:
        return 130


def _fail(args: argparse.Namespace, exc: BaseException, code: int) -> int:
    if isinstance(exc, OSError) and exc.filename is not None:
        message = f"{exc.filename}: {exc.strerror}"
    elif isinstance(exc, httpx.TransportError):
        message = f"cannot reach {exc.request.url}: {exc}"
    else:
        message = str(exc)
    print(f"wirewatch {args.command}: {message}", file=sys.stderr)
    return code


def _ingest_url() -> str:
    """The ingest service as configured for this machine (WIREWATCH_INGEST_HOST/PORT)."""
    from wirewatch.ingest.settings import IngestSettings

    settings = IngestSettings()
    # A service listening on every interface is reached on loopback from here.
    unspecified = (
        ipaddress.ip_address(settings.ingest_host).is_unspecified
        if _is_ip(settings.ingest_host)
        else False
    )
    host = "127.0.0.1" if unspecified else settings.ingest_host
    return f"http://{host}:{settings.ingest_port}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wirewatch")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
