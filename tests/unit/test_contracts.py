"""schemas/ is the public contract: current with the models, and every message validates."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import ValidationError

from tests.conftest import REPO, SAMPLE_JSON, SAMPLES
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import read_file
from wirewatch.core.contracts import CONTRACTS, PACKAGED_SCHEMA_DIR, schema_path
from wirewatch.core.models import ArticleIn
from wirewatch.tools.schemas import files, render

EXAMPLES = REPO / "schemas" / "examples"


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads(schema_path(name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_schema_file_is_generated_from_the_model(name: str) -> None:
    assert schema_path(name).read_bytes() == render(name), "run `wirewatch schemas`"


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_schema_file_shape(name: str) -> None:
    schema = json.loads(schema_path(name).read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:wirewatch:schema:{name}"
    assert "schema_version" in schema["required"]
    # The evolution rule: v1 only ever gains optional fields, so no object may refuse them.
    assert '"additionalProperties": false' not in json.dumps(schema)


def test_the_packaged_copy_is_the_same_as_schemas() -> None:
    for name, body in files().items():
        assert (PACKAGED_SCHEMA_DIR / name).read_bytes() == body, name
        assert (REPO / "schemas" / name).read_bytes() == body, name


def test_every_produced_message_validates(analyzer: Analyzer) -> None:
    articles = read_file(SAMPLE_JSON) + read_file(SAMPLES / "wikinews-demo.jsonl")
    raw, enriched, alert = (_validator(n) for n in CONTRACTS)
    results = analyzer.analyze(articles)
    assert sum(len(r.alerts) for r in results) > 0
    for article, result in zip(articles, results, strict=True):
        raw.validate(orjson.loads(article.model_dump_json()))
        enriched.validate(orjson.loads(result.enriched.model_dump_json()))
        for a in result.alerts:
            alert.validate(orjson.loads(a.model_dump_json()))


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_a_message_with_fields_added_later_still_validates_and_parses(name: str) -> None:
    """What a subscriber holding today's schema meets after a compatible release: new
    fields at the top and inside nested objects."""
    example = json.loads((EXAMPLES / f"{name}.json").read_text())
    later = {**example, "added_in_a_later_release": {"any": "value"}}
    for value in later.values():  # a new field inside the first nested object too
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value[0] = {**value[0], "also_added_later": 1}
            break
    _validator(name).validate(later)
    parsed = CONTRACTS[name].model_validate(later)  # our own readers ignore them as well
    assert "added_in_a_later_release" not in parsed.model_dump()


def test_an_article_submitted_with_an_unknown_field_is_refused() -> None:
    """Senders' input stays strict: a misspelt field is an error, not silently dropped."""
    with pytest.raises(ValidationError, match="titel"):
        ArticleIn.model_validate({"text": "Some text", "titel": "typo"})


def _historic(name: str) -> list[tuple[str, dict[str, Any]]]:
    """Every committed version of a schema file that follows the evolution rule (open to
    added fields); the closed ones before the rule was adopted are not a promise."""
    log = subprocess.run(
        ["git", "log", "--format=%h", "--", f"schemas/{name}.json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    versions = []
    for commit in log:
        text = subprocess.run(
            ["git", "show", f"{commit}:schemas/{name}.json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if '"additionalProperties": false' not in text:
            versions.append((commit, json.loads(text)))
    return versions


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs the git history")
def test_every_historic_schema_under_the_rule_validates_every_current_message(
    analyzer: Analyzer,
) -> None:
    articles = read_file(SAMPLE_JSON) + read_file(SAMPLES / "wikinews-demo.jsonl")[:5]
    results = analyzer.analyze(articles)
    current = {
        "article.raw.v1": [orjson.loads(a.model_dump_json()) for a in articles],
        "article.enriched.v1": [orjson.loads(r.enriched.model_dump_json()) for r in results],
        "alert.v1": [orjson.loads(a.model_dump_json()) for r in results for a in r.alerts],
    }
    for name, messages in current.items():
        assert messages, name
        historic = _historic(name)
        assert historic, f"no committed open version of {name}"  # the check must check
        for commit, schema in historic:
            validator = Draft202012Validator(schema, format_checker=FormatChecker())
            for message in messages:
                errors = [e.message for e in validator.iter_errors(message)]
                assert not errors, f"{name} as of {commit} refuses a current message: {errors}"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: Path(p).name)
def test_published_examples_still_validate(path: Path) -> None:
    """Examples of every released version must keep validating (backward compatibility)."""
    name = path.name.removesuffix(".json")
    example: Any = json.loads(path.read_text())
    _validator(name).validate(example)
