"""How many CPUs this process may use: its affinity, capped by a cgroup's CPU quota."""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def usable(cgroup: Path = CGROUP) -> int:
    """The CPUs the scheduler lets this process run on, fewer where a container's CPU limit
    (cgroup v2 `cpu.max`, or v1's CFS quota) allows less time than that; at least 1."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        count = os.cpu_count() or 1
    quota = cgroup_quota(cgroup)
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return max(1, count)


def cgroup_quota(cgroup: Path = CGROUP) -> float | None:
    """CPUs' worth of time per period that the cgroup allows, or None without a limit."""
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:  # cgroup v1
        quota_us = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us


def threads(wanted: int, most: int) -> int:
    """`wanted` threads, or with 0 as many as there are usable CPUs, up to `most`."""
    return wanted if wanted > 0 else min(usable(), most)
