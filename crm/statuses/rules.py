"""Status rules: the administrator's list, the shipped defaults, and first-match evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from crm.accounts.models import ADMINISTRATOR, User
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.messages import N_, Message
from crm.statuses import conditions
from crm.statuses.conditions import ClientFacts, ConditionResult
from crm.statuses.models import (
    ACTIVE,
    DEFAULT_STATUS,
    FOREIGN,
    IN_PROGRESS,
    LIQUIDATED,
    LOST,
    NON_TARGET,
    RETURNED,
    STATUS_CODES,
    StatusRule,
)
from engine.db import db

# (position, name, target status, conditions) — installed by ``install_default_status_rules``.
DEFAULT_RULES: tuple[tuple[int, str, str, dict[str, Any]], ...] = (
    (10, "Liquidated: marked by hand", LIQUIDATED, {"type": "flag", "flag": "liquidated"}),
    (20, "Foreign: another company's client", FOREIGN, {"type": "flag", "flag": "foreign"}),
    (30, "Non-target: marked by hand", NON_TARGET, {"type": "flag", "flag": "non_target"}),
    (
        40,
        "Returned: lost before, won again within a year",
        RETURNED,
        {
            "all": [
                {"type": "status_was", "status": LOST},
                {"type": "interests", "outcome": "won", "since_status": LOST},
                {"type": "interests", "outcome": "won", "within_days": 365},
            ]
        },
    ),
    (
        50,
        "Active: a won interest in the last 365 days",
        ACTIVE,
        {"type": "interests", "outcome": "won", "within_days": 365},
    ),
    (60, "In progress: an open interest", IN_PROGRESS, {"type": "interests", "outcome": "open"}),
    (
        70,
        "Lost: no interaction in 365 days and had won interests",
        LOST,
        {
            "all": [
                {"type": "interactions", "exists": False, "within_days": 365},
                {"type": "interests", "outcome": "won"},
            ]
        },
    ),
)


@dataclass(frozen=True)
class RuleView:
    """A rule as evaluation sees it (plain values, safe to keep outside the session)."""

    id: int
    position: int
    name: str
    target_status: str
    conditions: dict[str, Any]


@dataclass
class RuleCheck:
    rule: RuleView
    matched: bool
    result: ConditionResult


@dataclass
class Verdict:
    """The status rules give one client, the rule that gave it (None: default) and every rule checked."""

    status: str
    rule: RuleView | None
    checks: list[RuleCheck]


def active_rules() -> list[RuleView]:
    """Enabled rules in evaluation order."""
    q = select(StatusRule).where(StatusRule.enabled.is_(True)).order_by(StatusRule.position, StatusRule.id)
    return [_view(r) for r in db.session.scalars(q)]


def _view(rule: StatusRule) -> RuleView:
    return RuleView(rule.id, rule.position, rule.name, rule.target_status, dict(rule.conditions or {}))


def decide(rules: list[RuleView], facts: ClientFacts, now: datetime, *, explain: bool = False) -> Verdict:
    """First matching rule wins; with ``explain`` every rule is evaluated so the card can show them all."""
    checks: list[RuleCheck] = []
    winner: RuleView | None = None
    for rule in rules:
        if winner is not None and not explain:
            break
        result = conditions.evaluate(rule.conditions, facts, now)
        checks.append(RuleCheck(rule, result.passed, result))
        if result.passed and winner is None:
            winner = rule
    return Verdict(winner.target_status if winner else DEFAULT_STATUS, winner, checks)


def list_status_rules() -> list[StatusRule]:
    """Every rule (enabled or not) in evaluation order, for the settings page."""
    return list(db.session.scalars(select(StatusRule).order_by(StatusRule.position, StatusRule.id)))


def save_status_rule(
    actor: User,
    *,
    name: str,
    target_status: str,
    conditions_json: dict[str, Any],
    position: int | None = None,
    enabled: bool = True,
    description: str = "",
    rule_id: int | None = None,
) -> StatusRule:
    """Create or change a rule (administrators only); the conditions are validated first."""
    _ensure_admin(actor)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = N_("Name the rule.")
    if target_status not in STATUS_CODES:
        errors["target_status"] = Message(N_("One of %(choices)s."), choices=", ".join(STATUS_CODES))
    if errors:
        raise ValidationFailed(errors)
    conditions.validate(conditions_json)
    rule = db.session.get(StatusRule, rule_id) if rule_id is not None else StatusRule()
    if rule is None:
        raise NotFound(f"Status rule {rule_id} does not exist.")
    if position is None and rule.id is None:
        position = (db.session.scalar(select(func.max(StatusRule.position))) or 0) + 10
    rule.name, rule.target_status, rule.conditions = name.strip(), target_status, conditions_json
    rule.enabled, rule.description = enabled, description
    if position is not None:
        rule.position = position
    db.session.add(rule)
    db.session.commit()
    return rule


def delete_status_rule(actor: User, rule_id: int) -> None:
    """Remove a rule (administrators only); statuses it gave stay until the next recalculation."""
    _ensure_admin(actor)
    if db.session.execute(delete(StatusRule).where(StatusRule.id == rule_id)).rowcount == 0:
        raise NotFound(f"Status rule {rule_id} does not exist.")
    db.session.commit()


def install_default_status_rules(*, replace: bool = False) -> list[StatusRule]:
    """Install the shipped rules when there are none (or, with ``replace``, instead of the current ones)."""
    existing = db.session.scalar(select(func.count()).select_from(StatusRule)) or 0
    if existing and not replace:
        return list_status_rules()
    if replace:
        db.session.execute(delete(StatusRule))
    for position, name, target, tree in DEFAULT_RULES:
        conditions.validate(tree)
        db.session.add(StatusRule(position=position, name=name, target_status=target, conditions=tree))
    db.session.commit()
    return list_status_rules()


def _ensure_admin(actor: User) -> None:
    if not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("Only an administrator may change status rules."))
