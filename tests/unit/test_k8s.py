"""The Kubernetes manifests: valid against Kubernetes' and KEDA's schemas, and wired to the code."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from wirewatch.core.settings import CommonSettings
from wirewatch.enrich.settings import EnrichSettings

K8S = REPO / "deploy" / "k8s"
KUBECONFORM = REPO / ".tools" / "bin" / "kubeconform"
KUBERNETES_VERSION = "v1.33.0"
SERVICES = {"ingest": 8001, "enrich": 8002, "api": 8000}


def _docs() -> list[dict[str, Any]]:
    return [d for p in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]


def _schemas(into: Path) -> Path:
    """kubernetes-validate's schemas for the kinds used, with refs kubeconform can follow."""
    import kubernetes_validate

    source = (
        Path(kubernetes_validate.__file__).parent
        / "kubernetes-json-schema"
        / f"{KUBERNETES_VERSION}-local-strict"
    )
    names = ["_definitions"] + [
        f"{d['kind'].lower()}-{d['apiVersion'].replace('/', '-')}"
        for d in _docs()
        if d["kind"] != "ScaledObject"
    ]
    for name in set(names):
        doc = json.loads((source / f"{name}.json").read_text())
        doc.pop("$schema", None)  # 2020-12 with absolute refs: rewrite as draft-4 definitions
        text = (
            json.dumps(doc)
            .replace('"$defs"', '"definitions"')
            .replace("#/$defs/", "#/definitions/")
        )
        (into / f"{name}.json").write_text(
            text.replace('"/api/_definitions.json', '"_definitions.json')
        )
    return into


def _kubeconform(files: list[Path], schemas: Path) -> subprocess.CompletedProcess[str]:
    if not KUBECONFORM.exists():
        pytest.fail("kubeconform missing: run `make tools`")
    location = f"{schemas}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json"
    cmd = [str(KUBECONFORM), "-strict", "-summary", "-skip", "ScaledObject"]
    return subprocess.run(
        [*cmd, "-schema-location", location, *map(str, files)], capture_output=True, text=True
    )


def test_manifests_pass_kubeconform(tmp_path: Path) -> None:
    done = _kubeconform(sorted(K8S.glob("*.yaml")), _schemas(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Invalid: 0, Errors: 0" in done.stdout, done.stdout


def test_kubeconform_rejects_a_misspelt_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((K8S / "api.yaml").read_text().replace("readinessProbe:", "readinesProbe:"))
    done = _kubeconform([bad], _schemas(tmp_path))
    assert done.returncode != 0
    assert "readinesProbe" in done.stdout


def _keda(objects: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    validator = K8S / "validate"
    if shutil.which("node") is None or not (validator / "node_modules").exists():
        pytest.fail("the KEDA validator is missing: run `make tools`")
    return subprocess.run(
        ["node", "keda.mjs"], input=json.dumps(objects), capture_output=True, text=True,
        cwd=validator,
    )  # fmt: skip


def test_scaled_object_passes_kedas_schema() -> None:
    scaled = [d for d in _docs() if d["kind"] == "ScaledObject"]
    assert len(scaled) == 1
    done = _keda(scaled)
    assert done.returncode == 0, done.stderr
    scaled[0]["spec"]["maxReplicaCount"] = "twelve"
    assert _keda(scaled).returncode == 1


def test_enrich_scales_on_its_own_group_and_topic() -> None:
    scaled = next(d for d in _docs() if d["kind"] == "ScaledObject")
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == EnrichSettings().enrich_group_id
    assert trigger["metadata"]["topic"] == CommonSettings().topic_raw
    config = next(d for d in _docs() if d["kind"] == "ConfigMap")["data"]
    assert trigger["metadata"]["bootstrapServers"] == config["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"]
    # More workers than partitions would sit idle.
    assert scaled["spec"]["maxReplicaCount"] <= int(config["WIREWATCH_TOPIC_PARTITIONS"])
    assert scaled["spec"]["scaleTargetRef"]["name"] == "wirewatch-enrich"


@pytest.mark.parametrize(("service", "port"), SERVICES.items())
def test_each_service_has_probes_requests_and_scrape_annotations(service: str, port: int) -> None:
    deployment = next(
        d for d in _docs() if d["kind"] == "Deployment" and d["metadata"]["name"].endswith(service)
    )
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["args"] == [service]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port)
    assert container["ports"][0]["containerPort"] == port
