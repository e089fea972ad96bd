"""Sales funnel figures: reach per stage from current stages and the stage history, conversion, reference."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.clients.models import Client
from crm.deals.models import Interest
from crm.deals.services import ensure_default_stages, stage_by_code
from crm.errors import ValidationFailed
from crm.history import ChangeLogEntry
from crm.monitoring.funnel import sales_funnel, set_reference_funnel
from engine.db import db
from tests.analytics_history import msk


@pytest.fixture
def interests(any_app):
    ensure_default_stages()
    client = Client(name="Acme")
    db.session.add(client)
    db.session.flush()

    def interest(title, stage, amount, outcome=None, history=()):
        i = Interest(client_id=client.id, title=title, stage_id=stage_by_code(stage).id, amount=Decimal(amount),
                     outcome=outcome, created_at=msk(10, 9), closed_at=msk(11, 9) if outcome else None)  # fmt: skip
        db.session.add(i)
        db.session.flush()
        for old, new in history:
            db.session.add(ChangeLogEntry(entity="interest", entity_id=i.id, field="stage", old_value=old,
                                          new_value=new, at=msk(10, 12)))  # fmt: skip
        return i

    interest("at proposal", "proposal", 100)
    interest("won", "won", 200, "won")
    interest("lost after needs", "lost", 50, "lost", [("qualification", "needs"), ("needs", "lost")])
    interest("new", "qualification", 10)
    db.session.commit()


def test_reach_conversion_and_amounts(interests):
    funnel = sales_funnel()
    rows = {s.code: s for s in funnel.stages}
    assert [s.code for s in funnel.stages] == ["qualification", "needs", "proposal", "negotiation", "won"]
    assert [rows[c].reached for c in rows] == [4, 3, 2, 1, 1]
    assert (rows["needs"].conversion, rows["negotiation"].conversion, rows["won"].conversion) == (
        0.75,
        0.5,
        1.0,
    )
    assert (rows["qualification"].amount, rows["proposal"].amount) == (Decimal(360), Decimal(300))
    assert (rows["proposal"].now_at, rows["qualification"].now_at, rows["won"].now_at) == (1, 1, 0)
    assert (funnel.total, funnel.won, funnel.lost, funnel.won_amount) == (4, 1, 1, Decimal(200))


def test_reference_funnel_and_gap(interests):
    set_reference_funnel({"qualification": 100, "needs": 60, "proposal": 40})
    rows = {s.code: s for s in sales_funnel().stages}
    assert (rows["needs"].reference_percent, rows["needs"].gap) == (60, 15)  # 75 % reached against 60 % ideal
    assert rows["negotiation"].reference_percent is None
    with pytest.raises(ValidationFailed):
        set_reference_funnel({"needs": 30, "proposal": 50})  # a later stage above an earlier one


def test_period_filter(interests):
    assert sales_funnel(created_from=msk(11, 0)).total == 0
