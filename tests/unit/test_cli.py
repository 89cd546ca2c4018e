"""The command line as a user meets it: version, exit codes, one-line errors, defaults."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wirewatch.cli import _parser


def _wirewatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wirewatch.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_version() -> None:
    done = _wirewatch("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("wirewatch ")


@pytest.mark.parametrize("command", ["post", "replay", "sentiment", "analyze"])
def test_a_missing_file_is_one_line_and_exit_2(command: str) -> None:
    done = _wirewatch(command, "/no/such/file.jsonl")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"wirewatch {command}: /no/such/file.jsonl: No such file or directory"
    ]


def test_an_unreachable_service_is_one_line_and_exit_1(tmp_path: Path) -> None:
    article = tmp_path / "a.json"
    article.write_text('{"title": "T", "text": "Some text long enough to be an article."}')
    done = _wirewatch("post", str(article), "--url", "http://127.0.0.1:9")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("wirewatch post: cannot reach http://127.0.0.1:9/")


def test_a_replay_whose_every_line_is_rejected_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "no text"}\nnot json\n')
    done = _wirewatch("replay", str(bad), "--url", "http://127.0.0.1:9")
    assert done.returncode == 1
    assert "accepted 0, duplicate 0, rejected 2" in done.stdout


def test_eval_ner_refuses_malformed_lines(tmp_path: Path) -> None:
    bad = tmp_path / "ner.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\n')
    done = _wirewatch("eval", "ner", str(bad))
    assert done.returncode == 2
    assert "line 1: not an {id, text, entities} object" in done.stderr


def test_the_ingest_url_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_INGEST_PORT", "9123")
    monkeypatch.setenv("WIREWATCH_INGEST_HOST", "0.0.0.0")
    args = _parser().parse_args(["replay", "f.jsonl"])
    assert args.url == "http://127.0.0.1:9123"
    done = _wirewatch("replay", "--help")
    help_text = done.stdout
    assert "(default: 100)" in help_text  # --batch: --help shows defaults


def test_results_as_json_lines_for_programs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "no text"}\n')
    done = _wirewatch("replay", str(bad), "--url", "http://127.0.0.1:9", "--format", "json")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"accepted": 0, "duplicate": 0, "rejected": 1}
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {id: tripoli, name: Tripoli, severity: low, terms: [Tripoli]}\n")
    articles = tmp_path / "a.jsonl"
    articles.write_text(
        '{"id": "a1", "title": "T", "text": "Rockets hit Tripoli on Monday, officials said."}\n'
    )
    done = _wirewatch("rules", "test", str(rules), "--file", str(articles), "--format", "json")
    assert done.returncode == 0, done.stderr
    [row] = [json.loads(line) for line in done.stdout.splitlines()]
    assert (row["rule"], row["articles"], row["of_articles"]) == ("tripoli", 1, 1)
