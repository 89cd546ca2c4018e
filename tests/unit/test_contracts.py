"""schemas/ is the public contract: current with the models, and every message validates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from services.core.analysis.pipeline import Analyzer
from services.core.articles import read_file
from services.core.contracts import CONTRACTS, schema_path
from services.tools.schemas import render
from tests.conftest import REPO, SAMPLE_JSON, SAMPLES

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
    assert schema["additionalProperties"] is False
    assert "schema_version" in schema["required"]
    for sub in schema.get("$defs", {}).values():
        if sub.get("type") == "object":
            assert sub["additionalProperties"] is False


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


def test_schema_rejects_unknown_fields() -> None:
    example = json.loads((EXAMPLES / "alert.v1.json").read_text())
    errors = list(_validator("alert.v1").iter_errors({**example, "surprise": 1}))
    assert errors
    assert "surprise" in errors[0].message


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: Path(p).name)
def test_published_examples_still_validate(path: Path) -> None:
    """Examples of every released version must keep validating (backward compatibility)."""
    name = path.name.removesuffix(".json")
    example: Any = json.loads(path.read_text())
    _validator(name).validate(example)
