"""The fault-injection suite: each test states its pass rule and records what it measured
(the `record` and `full` fixtures live in tests/conftest.py, so tests elsewhere that
prove a rule of the suite record their row too).

`pytest tests/reliability` runs the short form (part of `make test`);
`make test-reliability` runs the full form on Tansu and on Apache Kafka and writes the
results table into the README (`python -m tests.reliability.report`).
"""

from tests.conftest import Record

__all__ = ["Record"]
