"""schemas/asyncapi.yaml: current with the code, valid AsyncAPI 3.0, every reference resolves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from tests.conftest import REPO
from wirewatch.core.settings import CommonSettings
from wirewatch.tools.schemas import ASYNCAPI, files

SPEC = REPO / "deploy/k8s/validate/node_modules/@asyncapi/specs/schemas/3.0.0-without-$id.json"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "schemas" / ASYNCAPI).read_text())
    return loaded


def _spec() -> Draft7Validator:
    if not SPEC.exists():
        pytest.fail("AsyncAPI's JSON Schema is missing: run `make tools`")
    return Draft7Validator(json.loads(SPEC.read_text()))


def test_the_document_is_generated_from_the_code() -> None:
    assert (REPO / "schemas" / ASYNCAPI).read_bytes() == files()[ASYNCAPI]


def test_the_document_is_valid_asyncapi_3(doc: dict[str, Any]) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in _spec().iter_errors(doc)]
    assert errors == []
    broken = json.loads(json.dumps(doc))
    broken["channels"]["alerts"]["bindings"]["kafka"]["partitions"] = 0
    assert list(_spec().iter_errors(broken))  # the validator does catch mistakes


def test_all_seven_topics_with_their_messages_and_references(doc: dict[str, Any]) -> None:
    assert {c["address"] for c in doc["channels"].values()} == set(
        CommonSettings.model_construct().all_topics()
    )
    messages = doc["components"]["messages"]
    for channel in doc["channels"].values():
        for ref in channel["messages"].values():
            assert ref["$ref"].removeprefix("#/components/messages/") in messages
    for message in messages.values():
        schema = message["payload"].get("schema", {}).get("$ref")
        if schema is not None:
            assert (REPO / "schemas" / Path(schema)).is_file(), schema
    for operation in doc["operations"].values():
        assert operation["channel"]["$ref"].removeprefix("#/channels/") in doc["channels"]
