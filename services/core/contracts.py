"""JSON Schema files for the topic messages: generated from the models, checked in tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from wirewatch.core.models import Alert, EnrichedArticle, RawArticle

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CONTRACTS: dict[str, type[BaseModel]] = {
    "article.raw.v1": RawArticle,
    "article.enriched.v1": EnrichedArticle,
    "alert.v1": Alert,
}
# The checkout's schemas/ (absent in an installed copy) and the copy shipped in the package.
REPO_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
PACKAGED_SCHEMA_DIR = Path(__file__).resolve().parents[1] / "data" / "schemas"


def in_checkout() -> bool:
    """Whether this code runs from a source checkout (which has schemas/ to keep current)."""
    return (REPO_SCHEMA_DIR.parent / "pyproject.toml").is_file() and REPO_SCHEMA_DIR.is_dir()


class _Generator(GenerateJsonSchema):
    schema_dialect = SCHEMA_DIALECT


def schema_for(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one contract, with its $id."""
    # Validation mode: fields added later have defaults, so they are optional and
    # messages written before them still validate (backward compatibility).
    mode: JsonSchemaMode = "validation"
    body = CONTRACTS[name].model_json_schema(schema_generator=_Generator, mode=mode)
    body["required"] = ["schema_version", *body.get("required", [])]
    return {"$schema": SCHEMA_DIALECT, "$id": f"urn:wirewatch:schema:{name}", **body}


def schema_path(name: str, directory: Path = REPO_SCHEMA_DIR) -> Path:
    return directory / f"{name}.json"
