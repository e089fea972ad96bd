"""The status-rule condition language: each leaf kind, combinators, first-match order, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from crm.errors import ValidationFailed
from crm.statuses import conditions
from crm.statuses.conditions import ClientFacts, InterestFact
from crm.statuses.rules import DEFAULT_RULES, RuleView, decide

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def won(closed_days_ago: int, amount: int = 1000) -> InterestFact:
    return InterestFact("won", Decimal(amount), days_ago(closed_days_ago + 30), days_ago(closed_days_ago))


def lost(closed_days_ago: int) -> InterestFact:
    return InterestFact("lost", Decimal(500), days_ago(closed_days_ago + 30), days_ago(closed_days_ago))


def open_interest(created_days_ago: int, amount: int = 0) -> InterestFact:
    return InterestFact(None, Decimal(amount), days_ago(created_days_ago), None)


def facts(**kw: object) -> ClientFacts:
    return ClientFacts(client_id=1, created_at=kw.pop("created_at", days_ago(1000)), **kw)  # type: ignore[arg-type]


def passes(condition: dict, f: ClientFacts) -> bool:
    conditions.validate(condition)
    return conditions.evaluate(condition, f, NOW).passed


def test_interests_count_by_outcome_and_window() -> None:
    f = facts(interests=[won(10), won(400), lost(5), open_interest(3)])
    assert passes({"type": "interests", "outcome": "won", "within_days": 365}, f)
    assert not passes({"type": "interests", "outcome": "won", "within_days": 365, "min_count": 2}, f)
    assert passes({"type": "interests", "outcome": "won", "min_count": 2}, f)  # ever
    assert passes({"type": "interests", "outcome": "lost", "within_days": 7}, f)
    assert not passes({"type": "interests", "outcome": "lost", "within_days": 4}, f)
    assert passes({"type": "interests", "outcome": "open"}, f)
    assert not passes({"type": "interests", "outcome": "open", "max_count": 0}, f)
    assert passes({"type": "interests", "outcome": "any", "min_count": 4}, f)


def test_interests_amount_filters() -> None:
    f = facts(interests=[won(10, amount=100), won(20, amount=5000)])
    assert passes({"type": "interests", "outcome": "won", "min_amount": 1000}, f)
    assert not passes({"type": "interests", "outcome": "won", "min_amount": 1000, "min_count": 2}, f)
    assert passes({"type": "interests", "outcome": "won", "min_total": 5100}, f)
    assert not passes({"type": "interests", "outcome": "won", "min_total": 5101}, f)


def test_interests_since_status() -> None:
    f = facts(interests=[won(100), won(10)], status_entered_at={"lost": days_ago(50)})
    leaf = {"type": "interests", "outcome": "won", "since_status": "lost", "min_count": 2}
    assert not passes(leaf, f)
    assert passes({**leaf, "min_count": 1}, f)
    assert not passes({**leaf, "min_count": 1}, facts(interests=[won(10)]))  # never lost


def test_payments_are_won_interests_with_an_amount() -> None:
    f = facts(interests=[won(10, amount=0), won(20, amount=300)])
    assert passes({"type": "payments", "within_days": 30}, f)
    assert not passes({"type": "payments", "within_days": 15}, f)  # the one in 15 days has no amount
    assert not passes({"type": "payments", "min_count": 2}, f)


def test_interactions_any_and_none() -> None:
    recent = facts(last_interaction_at=days_ago(3))
    old = facts(last_interaction_at=days_ago(400))
    never = facts()
    assert passes({"type": "interactions", "within_days": 30}, recent)
    assert not passes({"type": "interactions", "within_days": 30}, old)
    assert passes({"type": "interactions", "exists": False, "within_days": 365}, old)
    assert passes({"type": "interactions", "exists": False, "within_days": 365}, never)
    assert not passes({"type": "interactions", "exists": False, "within_days": 365}, recent)


def test_created_flag_and_status_was() -> None:
    assert passes({"type": "created", "within_days": 30}, facts(created_at=days_ago(5)))
    assert not passes({"type": "created", "within_days": 30}, facts(created_at=days_ago(31)))
    assert passes({"type": "flag", "flag": "foreign"}, facts(flags=frozenset({"foreign"})))
    assert not passes({"type": "flag", "flag": "liquidated"}, facts(flags=frozenset({"foreign"})))
    assert passes({"type": "status_was", "status": "lost"}, facts(status_entered_at={"lost": days_ago(9)}))
    assert not passes({"type": "status_was", "status": "lost"}, facts())


def test_combinators() -> None:
    f = facts(interests=[open_interest(1)], last_interaction_at=days_ago(1))
    yes = {"type": "interests", "outcome": "open"}
    no = {"type": "flag", "flag": "foreign"}
    assert passes({"all": [yes, {"type": "interactions", "within_days": 7}]}, f)
    assert not passes({"all": [yes, no]}, f)
    assert passes({"any": [no, yes]}, f)
    assert not passes({"any": [no, {"not": yes}]}, f)
    result = conditions.evaluate({"all": [yes, no]}, f, NOW)
    assert [p.passed for p in result.parts] == [True, False]
    assert "open interests" in result.parts[0].text and result.parts[0].found.startswith("1 found")


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"all": []},
        {"type": "weather"},
        {"type": "interests", "outcome": "maybe"},
        {"type": "interests", "within_days": -1},
        {"type": "interests", "min_amount": "lots"},
        {"type": "created"},
        {"type": "flag", "flag": "vip"},
        {"type": "status_was", "status": "gold"},
        {"type": "interests", "since_status": "gold"},
        {"any": [{"type": "flag", "flag": "foreign"}, {"type": "nope"}]},
    ],
)
def test_validation_rejects_malformed_conditions(bad: dict) -> None:
    with pytest.raises(ValidationFailed):
        conditions.validate(bad)


def rules(*specs: tuple[str, dict]) -> list[RuleView]:
    return [
        RuleView(i + 1, (i + 1) * 10, f"rule {i + 1}", target, cond) for i, (target, cond) in enumerate(specs)
    ]


def test_first_match_wins_and_default_is_new() -> None:
    f = facts(interests=[won(10), open_interest(1)])
    ordered = rules(
        ("in_progress", {"type": "interests", "outcome": "open"}),
        ("active", {"type": "interests", "outcome": "won", "within_days": 365}),
    )
    verdict = decide(ordered, f, NOW)
    assert verdict.status == "in_progress" and verdict.rule and verdict.rule.id == 1
    assert len(verdict.checks) == 1  # stops at the first match
    assert decide(list(reversed(ordered)), f, NOW).status == "active"
    explained = decide(ordered, f, NOW, explain=True)
    assert [c.matched for c in explained.checks] == [True, True] and explained.rule is ordered[0]
    none = decide(ordered, facts(), NOW)
    assert none.status == "new" and none.rule is None


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        (facts(), "new"),
        (facts(flags=frozenset({"liquidated"}), interests=[won(1)]), "liquidated"),
        (facts(flags=frozenset({"non_target"})), "non_target"),
        (facts(interests=[won(10)], last_interaction_at=days_ago(2)), "active"),
        (facts(interests=[open_interest(5)]), "in_progress"),
        (facts(interests=[won(500)], last_interaction_at=days_ago(400)), "lost"),
        (facts(interests=[won(500), won(20)], status_entered_at={"lost": days_ago(60)}), "returned"),
        (facts(interests=[won(500), won(90)], status_entered_at={"lost": days_ago(60)}), "active"),
    ],
)
def test_default_rules(client: ClientFacts, expected: str) -> None:
    shipped = rules(*[(target, cond) for _, _, target, cond in DEFAULT_RULES])
    for rule in shipped:
        conditions.validate(rule.conditions)
    assert decide(shipped, client, NOW).status == expected
