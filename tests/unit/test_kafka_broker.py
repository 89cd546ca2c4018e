"""The Apache Kafka launcher's pieces that need no JVM."""

from __future__ import annotations

import re

from wirewatch.core.kafka_broker import cluster_id


def test_cluster_ids_never_start_with_a_dash() -> None:
    # One random id in 64 used to start with "-", which Kafka's storage tool reads as an
    # option: formatting failed and the broker did not start (seen in CI).
    ids = [cluster_id() for _ in range(2_000)]
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{21}", c) for c in ids)
    assert len(set(ids)) == len(ids)
