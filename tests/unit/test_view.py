"""The api's alert view: de-duplication, order, capacity and filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wirewatch.api.view import AlertQuery, AlertView
from wirewatch.core.models import Alert, AlertActor

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _alert(
    n: int, severity: str = "high", rule: str = "r1", actor: str = "Khalifa Haftar"
) -> Alert:
    return Alert.model_validate(
        {
            "id": f"a{n}",
            "article_id": f"art{n}",
            "rule_id": rule,
            "rule_name": rule,
            "severity": severity,
            "created_at": T0 + timedelta(minutes=n),
            "title": None,
            "url": None,
            "source": None,
            "published_at": None,
            "matches": [],
            "actors": [
                AlertActor(id="x", name=actor, type="person", sentiment=-0.5, label="negative")
            ],
            "rules_version": "v",
        }
    )


def test_duplicates_are_ignored_and_order_is_newest_first() -> None:
    view = AlertView(10)
    assert view.add(_alert(2)) == "added"
    assert view.add(_alert(1)) == "added"
    assert view.add(_alert(2)) == "duplicate"
    assert [a.id for a in view.older(AlertQuery())] == ["a2", "a1"]


def test_capacity_drops_the_oldest() -> None:
    view = AlertView(2)
    for n in (1, 3, 2):
        view.add(_alert(n))
    assert [a.id for a in view.older(AlertQuery())] == ["a3", "a2"]
    assert view.get("a1") is None


def test_filters() -> None:
    view = AlertView(10)
    view.add(_alert(1, severity="low"))
    view.add(_alert(2, rule="r2"))
    view.add(_alert(3, actor="Turkey"))
    view.add(_alert(4))

    def ids(q: AlertQuery) -> list[str]:
        return [a.id for a in view.older(q)]

    assert ids(AlertQuery(since=T0 + timedelta(minutes=3))) == ["a4", "a3"]
    assert ids(AlertQuery(severities=frozenset({"low"}))) == ["a1"]
    assert ids(AlertQuery(rules=frozenset({"r2"}))) == ["a2"]
    assert ids(AlertQuery(actor="turkey")) == ["a3"]
    assert ids(AlertQuery(limit=2)) == ["a4", "a3"]


def test_a_newer_revision_replaces_the_alert_in_place() -> None:
    view = AlertView(10)
    view.add(_alert(1))
    view.add(_alert(2))
    newer = _alert(1).model_copy(update={"revision": 1, "related_count": 2})
    assert view.add(newer) == "updated"
    assert view.add(_alert(1)) == "duplicate"  # an older revision read late changes nothing
    assert [(a.id, a.related_count) for a in view.older(AlertQuery())] == [("a2", 0), ("a1", 2)]
