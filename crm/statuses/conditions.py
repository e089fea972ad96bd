"""The small condition language of status rules: validation, evaluation over facts, explanation.

A condition is JSON. Combinators: ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}``. Leaves:

- ``{"type": "interests", "outcome": "won"|"lost"|"open"|"any", "within_days": N, "since_status": "lost",
  "min_count": 1, "max_count": M, "min_amount": X, "min_total": Y}`` — count the client's interests with
  that outcome (won/lost: closed within N days, or after the client last entered ``since_status``;
  open/any: created within N days), only those of at least ``min_amount``; the count must lie in
  ``[min_count, max_count]`` and their summed amount reach ``min_total``.
- ``{"type": "payments", "within_days": N, "min_count": 1, "min_total": Y}`` — there is no payment model yet,
  so a won interest with a positive amount counts as a payment received when it was closed.
- ``{"type": "interactions", "exists": true|false, "within_days": N}`` — a done interaction (call, meeting,
  letter, message) within N days exists / does not exist.
- ``{"type": "created", "within_days": N}`` — the client card was created within N days.
- ``{"type": "flag", "flag": "liquidated"|"foreign"|"non_target"}`` — the flag is set by hand on the card.
- ``{"type": "status_was", "status": "lost"}`` — the client has had that status before.

Omitting ``within_days`` means "ever".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from crm.errors import ValidationFailed
from crm.messages import N_, Message
from crm.statuses.models import FLAGS, STATUS_CODES, WORK_STATUSES

OUTCOMES = ("won", "lost", "open", "any")
LEAF_TYPES = ("interests", "payments", "interactions", "created", "flag", "status_was")


@dataclass(frozen=True)
class InterestFact:
    outcome: str | None  # won | lost | None while open
    amount: Decimal
    created_at: datetime
    closed_at: datetime | None


@dataclass
class ClientFacts:
    """What the rules may look at for one client, gathered in bulk by ``crm.statuses.facts``."""

    client_id: int
    created_at: datetime
    flags: frozenset[str] = frozenset()
    interests: list[InterestFact] = field(default_factory=list)
    last_interaction_at: datetime | None = None
    # Last instant the client entered each status it has had (from the status history).
    status_entered_at: dict[str, datetime] = field(default_factory=dict)


@dataclass
class ConditionResult:
    """One evaluated condition: its wording, whether it held, what was found, and its parts."""

    text: str
    passed: bool
    found: str = ""
    parts: list[ConditionResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "passed": self.passed,
            "found": self.found,
            "parts": [p.as_dict() for p in self.parts],
        }


def validate(condition: Any, path: str = "conditions") -> None:
    """Raise ``ValidationFailed`` naming the first malformed part of a condition tree."""
    if not isinstance(condition, dict) or not condition:
        raise ValidationFailed({path: "A condition is a non-empty JSON object."})
    for combinator in ("all", "any"):
        if combinator in condition:
            parts = condition[combinator]
            if not isinstance(parts, list) or not parts:
                raise ValidationFailed({path: f'"{combinator}" needs a non-empty list of conditions.'})
            for i, part in enumerate(parts):
                validate(part, f"{path}.{combinator}[{i}]")
            return
    if "not" in condition:
        validate(condition["not"], f"{path}.not")
        return
    _validate_leaf(condition, path)


def _validate_leaf(leaf: dict[str, Any], path: str) -> None:
    kind = leaf.get("type")
    if kind not in LEAF_TYPES:
        raise ValidationFailed(
            {path: f"Unknown condition type {kind!r}; use one of {', '.join(LEAF_TYPES)}."}
        )
    for key in ("within_days", "min_count", "max_count"):
        value = leaf.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ValidationFailed({f"{path}.{key}": N_("A whole number of 0 or more.")})
    for key in ("min_amount", "min_total"):
        value = leaf.get(key)
        if value is not None and (not isinstance(value, int | float | str) or not _is_number(value)):
            raise ValidationFailed({f"{path}.{key}": N_("A number.")})
    if kind == "interests" and leaf.get("outcome", "any") not in OUTCOMES:
        raise ValidationFailed(
            {f"{path}.outcome": Message(N_("One of %(choices)s."), choices=", ".join(OUTCOMES))}
        )
    if kind in ("created",) and leaf.get("within_days") is None:
        raise ValidationFailed({f"{path}.within_days": N_("Say within how many days.")})
    if kind == "interactions" and not isinstance(leaf.get("exists", True), bool):
        raise ValidationFailed({f"{path}.exists": N_("true or false.")})
    if kind == "flag" and leaf.get("flag") not in FLAGS:
        raise ValidationFailed({f"{path}.flag": Message(N_("One of %(choices)s."), choices=", ".join(FLAGS))})
    if kind == "status_was" and leaf.get("status") not in STATUS_CODES:
        raise ValidationFailed(
            {f"{path}.status": Message(N_("One of %(choices)s."), choices=", ".join(STATUS_CODES))}
        )
    if leaf.get("since_status") is not None and leaf["since_status"] not in STATUS_CODES:
        raise ValidationFailed(
            {f"{path}.since_status": Message(N_("One of %(choices)s."), choices=", ".join(STATUS_CODES))}
        )


def _is_number(value: Any) -> bool:
    try:
        Decimal(str(value))
    except ArithmeticError:
        return False
    return True


def evaluate(condition: dict[str, Any], facts: ClientFacts, now: datetime) -> ConditionResult:
    """Evaluate a (valid) condition tree for one client at instant ``now``."""
    if "all" in condition:
        parts = [evaluate(p, facts, now) for p in condition["all"]]
        return ConditionResult("all of", all(p.passed for p in parts), parts=parts)
    if "any" in condition:
        parts = [evaluate(p, facts, now) for p in condition["any"]]
        return ConditionResult("any of", any(p.passed for p in parts), parts=parts)
    if "not" in condition:
        inner = evaluate(condition["not"], facts, now)
        return ConditionResult("not", not inner.passed, parts=[inner])
    return _LEAVES[condition["type"]](condition, facts, now)


def _since(leaf: dict[str, Any], now: datetime) -> datetime | None:
    days = leaf.get("within_days")
    return None if days is None else now - timedelta(days=days)


def _window_text(leaf: dict[str, Any]) -> str:
    if leaf.get("since_status"):
        return f" since the client became {_status_name(leaf['since_status'])}"
    days = leaf.get("within_days")
    return "" if days is None else f" in the last {days} days"


def _status_name(code: str) -> str:
    return WORK_STATUSES[code].name if code in WORK_STATUSES else code


def _interests(leaf: dict[str, Any], facts: ClientFacts, now: datetime) -> ConditionResult:
    outcome = leaf.get("outcome", "any")
    since = _since(leaf, now)
    if leaf.get("since_status"):
        entered = facts.status_entered_at.get(leaf["since_status"])
        if entered is None:
            text = f"{outcome} interests{_window_text(leaf)}"
            return ConditionResult(text, False, f"never was {_status_name(leaf['since_status'])}")
        since = entered
    min_amount = Decimal(str(leaf.get("min_amount", 0)))
    chosen = [i for i in facts.interests if _interest_matches(i, outcome, since) and i.amount >= min_amount]
    return _count_result(f"{outcome} interests", leaf, chosen)


def _interest_matches(fact: InterestFact, outcome: str, since: datetime | None) -> bool:
    if outcome in ("won", "lost"):
        return (
            fact.outcome == outcome
            and fact.closed_at is not None
            and (since is None or fact.closed_at >= since)
        )
    if outcome == "open" and fact.closed_at is not None:
        return False
    return since is None or fact.created_at >= since


def _payments(leaf: dict[str, Any], facts: ClientFacts, now: datetime) -> ConditionResult:
    since = _since(leaf, now)
    paid = [
        i
        for i in facts.interests
        if i.outcome == "won" and i.amount > 0 and i.closed_at and (since is None or i.closed_at >= since)
    ]
    return _count_result("payments (won interests with an amount)", leaf, paid)


def _count_result(label: str, leaf: dict[str, Any], chosen: list[InterestFact]) -> ConditionResult:
    min_count = leaf.get("min_count", 1)
    max_count = leaf.get("max_count")
    total = sum((i.amount for i in chosen), Decimal(0))
    wording = [f"{label}{_window_text(leaf)}"]
    if leaf.get("min_amount") is not None:
        wording.append(f"each at least {leaf['min_amount']}")
    if max_count is not None:
        wording.append(f"count between {min_count} and {max_count}")
    else:
        wording.append(f"at least {min_count}")
    passed = len(chosen) >= min_count and (max_count is None or len(chosen) <= max_count)
    if leaf.get("min_total") is not None:
        wording.append(f"total at least {leaf['min_total']}")
        passed = passed and total >= Decimal(str(leaf["min_total"]))
    return ConditionResult(", ".join(wording), passed, f"{len(chosen)} found, total {total}")


def _interactions(leaf: dict[str, Any], facts: ClientFacts, now: datetime) -> ConditionResult:
    since = _since(leaf, now)
    last = facts.last_interaction_at
    any_found = last is not None and (since is None or last >= since)
    wanted = leaf.get("exists", True)
    text = f"{'an' if wanted else 'no'} interaction{_window_text(leaf)}"
    found = f"last on {last:%Y-%m-%d}" if last else "none ever"
    return ConditionResult(text, any_found == wanted, found)


def _created(leaf: dict[str, Any], facts: ClientFacts, now: datetime) -> ConditionResult:
    since = _since(leaf, now)
    passed = since is not None and facts.created_at >= since
    return ConditionResult(
        f"client created{_window_text(leaf)}", passed, f"created {facts.created_at:%Y-%m-%d}"
    )


def _flag(leaf: dict[str, Any], facts: ClientFacts, now: datetime) -> ConditionResult:
    flag = leaf["flag"]
    is_set = flag in facts.flags
    return ConditionResult(f'flag "{flag.replace("_", "-")}" is set', is_set, "set" if is_set else "not set")


def _status_was(leaf: dict[str, Any], facts: ClientFacts, now: datetime) -> ConditionResult:
    status = leaf["status"]
    entered = facts.status_entered_at.get(status)
    found = f"last became {_status_name(status)} on {entered:%Y-%m-%d}" if entered else "never"
    return ConditionResult(f"the client was {_status_name(status)} before", entered is not None, found)


_LEAVES = {
    "interests": _interests,
    "payments": _payments,
    "interactions": _interactions,
    "created": _created,
    "flag": _flag,
    "status_was": _status_was,
}
