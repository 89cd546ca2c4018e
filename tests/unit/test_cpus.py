"""Usable CPUs: the affinity mask, capped by a cgroup's CPU quota; 0 threads means that many."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wirewatch.core import cpus
from wirewatch.enrich.settings import EnrichSettings


def _v2(tmp_path: Path, line: str) -> Path:
    (tmp_path / "cpu.max").write_text(line + "\n")
    return tmp_path


def _v1(tmp_path: Path, quota: int, period: int) -> Path:
    (tmp_path / "cpu").mkdir(parents=True)
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text(f"{period}\n")
    return tmp_path


def test_cgroup_v2_quota(tmp_path: Path) -> None:
    assert cpus.cgroup_quota(_v2(tmp_path, "150000 100000")) == 1.5


def test_cgroup_v2_without_a_limit(tmp_path: Path) -> None:
    assert cpus.cgroup_quota(_v2(tmp_path, "max 100000")) is None


def test_cgroup_v1_quota_and_its_unlimited_form(tmp_path: Path) -> None:
    assert cpus.cgroup_quota(_v1(tmp_path / "a", 50_000, 100_000)) == 0.5
    assert cpus.cgroup_quota(_v1(tmp_path / "b", -1, 100_000)) is None


def test_no_cgroup_files_mean_no_limit(tmp_path: Path) -> None:
    assert cpus.cgroup_quota(tmp_path) is None


def test_a_quota_caps_the_affinity_rounded_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5})
    assert cpus.usable(tmp_path) == 6
    assert cpus.usable(_v2(tmp_path, "250000 100000")) == 3
    assert cpus.usable(_v2(tmp_path, "1000 100000")) == 1  # a tenth of a core is still one
    assert cpus.usable(_v2(tmp_path, "800000 100000")) == 6  # a quota above the mask


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux only")
def test_usable_is_the_affinity_of_this_process() -> None:
    assert cpus.usable(Path("/nonexistent")) == len(os.sched_getaffinity(0))


def test_zero_sentiment_threads_follow_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpus, "usable", lambda cgroup=cpus.CGROUP: 3)
    assert EnrichSettings().sentiment_parallel() == 3
    monkeypatch.setattr(cpus, "usable", lambda cgroup=cpus.CGROUP: 64)
    assert EnrichSettings().sentiment_parallel() == 8  # AUTO_SENTIMENT_THREADS
    monkeypatch.setenv("WIREWATCH_SENTIMENT_THREADS", "5")
    assert EnrichSettings().sentiment_parallel() == 5  # an explicit count stands
