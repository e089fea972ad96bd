"""The quality percentage, its colour and the "cannot compute" message, from rules and a snapshot."""

from __future__ import annotations

import pytest

from crm.clients.models import Client
from crm.quality.fields import ClientSnapshot
from crm.quality.models import QualityRule
from crm.quality.services import AMBER, GREEN, RED, _RuleContext, colour_for


@pytest.mark.parametrize(
    ("percent", "colour"), [(0, RED), (49, RED), (50, AMBER), (79, AMBER), (80, GREEN), (100, GREEN)]
)
def test_colour_thresholds(percent: int, colour: str) -> None:
    assert colour_for(percent) == colour


def rule(field: str, weight: int, target: str = "client") -> QualityRule:
    return QualityRule(work_status="active", target=target, field=field, weight=weight, enabled=True)


def test_weighted_percentage_and_items() -> None:
    context = _RuleContext(
        {
            ("active", "client"): [
                rule("inn", 3),
                rule("phone", 2),
                rule("email", 1),
                rule("portrait:industry", 4),
            ]
        },
        {("client", "industry"): "Industry"},
    )
    snap = ClientSnapshot(
        Client(name="Acme", inn="7707083893", portrait={"industry": "Retail"}), has_phone=False
    )
    result = context.evaluate("client", 1, "active", snap)
    assert [(i.label, i.weight, i.filled) for i in result.items] == [
        ("INN (tax ID)", 3, True),
        ("Phone", 2, False),
        ("E-mail", 1, False),
        ("Industry", 4, True),
    ]
    assert result.percent == 70 and result.colour == AMBER and result.computable
    assert result.message.startswith("70%")


def test_cannot_compute_lists_setup_actions() -> None:
    context = _RuleContext({("active", "client"): [rule("portrait:gone", 5)]}, {})
    result = context.evaluate("client", 1, "lost", ClientSnapshot(Client(name="Acme")))
    assert result.percent is None and result.colour is None and not result.computable
    assert '"Lost"' in result.message and "recommended template" in result.message
    result = context.evaluate("client", 1, "active", ClientSnapshot(Client(name="Acme")))
    assert not result.computable
    assert any('"gone"' in action for action in result.setup_actions)
