"""Client work statuses on SQLite and PostgreSQL: rules, explain, recalculation with history, flags,
schedule, and the status dynamics report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select

from crm.accounts.services import create_user, ensure_builtin_roles
from crm.activities.models import Interaction
from crm.clients.models import Client
from crm.deals.models import Interest, InterestStage
from crm.errors import AccessDenied, ValidationFailed
from crm.statuses.dynamics import status_dynamics
from crm.statuses.models import ClientStatusChange, ClientWorkState
from crm.statuses.rules import install_default_status_rules, list_status_rules, save_status_rule
from crm.statuses.schedule import get_schedule, run_recalculation_if_due, save_schedule
from crm.statuses.services import (
    explain_status,
    recalculate_all,
    recalculate_status,
    set_client_flags,
    status_of,
    statuses_for_clients,
)
from engine.db import db

T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(any_app: Flask) -> dict:
    ensure_builtin_roles()
    admin = create_user("admin", "Admin", "admin", roles=["administrator"], allow_short_password=True)
    manager = create_user("manager", "Maria Manager", "manager", roles=["manager"], allow_short_password=True)
    other = create_user("manager2", "Oleg Other", "manager2", roles=["manager"], allow_short_password=True)
    stage = InterestStage(code="qualification", name="Qualification", sort_order=10)
    db.session.add(stage)
    db.session.commit()
    install_default_status_rules()
    return {"admin": admin, "manager": manager, "other": other, "stage": stage}


def make_client(world: dict, name: str, created: datetime = T0 - timedelta(days=800)) -> Client:
    client = Client(name=name, responsible_id=world["manager"].id, created_at=created)
    db.session.add(client)
    db.session.commit()
    return client


def add_interest(
    world: dict,
    client: Client,
    *,
    outcome: str | None = None,
    closed: datetime | None = None,
    created: datetime = T0 - timedelta(days=60),
    amount: int = 1000,
) -> Interest:
    interest = Interest(
        client_id=client.id,
        title="Deal",
        stage_id=world["stage"].id,
        amount=Decimal(amount),
        outcome=outcome,
        closed_at=closed,
        created_at=created,
    )
    db.session.add(interest)
    db.session.commit()
    return interest


def test_recalculate_one_client_writes_state_history_and_explains(world: dict) -> None:
    client = make_client(world, "ООО «Ромашка»")
    add_interest(world, client, outcome="won", closed=T0 - timedelta(days=30))
    explained = recalculate_status(world["manager"], client.id, now=T0)
    assert explained.status == "active" and not explained.is_stale
    assert explained.rule is not None and explained.rule.name.startswith("Active")
    assert "Active" in explained.reason
    # Every enabled rule is shown; "Lost" holds too (wins, no interaction) but "Active" comes first.
    matched = [c.rule.target_status for c in explained.checks if c.matched]
    assert matched == ["active", "lost"]
    assert len(explained.checks) == len(list_status_rules())
    assert status_of(client.id).name == "Active"
    history = db.session.scalars(select(ClientStatusChange)).all()
    assert [(h.old_status, h.new_status, h.user_id) for h in history] == [
        (None, "active", world["manager"].id)
    ]
    # Recalculating again without a change writes no history.
    recalculate_status(world["manager"], client.id, now=T0)
    assert db.session.scalar(select(func.count()).select_from(ClientStatusChange)) == 1


def test_explain_default_new_and_stale_detection(world: dict) -> None:
    client = make_client(world, "ИП Иванов")
    explained = explain_status(client.id, now=T0)
    assert explained.status == "new" and explained.rule is None and "No rule matched" in explained.reason
    assert not any(c.matched for c in explained.checks)
    add_interest(world, client)  # open
    explained = explain_status(client.id, now=T0)
    assert explained.status == "in_progress" and explained.stored_status == "new" and explained.is_stale
    payload = explained.as_dict()
    assert payload["rule"].startswith("In progress") and payload["checks"][0]["text"]


def test_flags_set_by_hand_win_over_activity(world: dict) -> None:
    client = make_client(world, "Northwind Traders")
    add_interest(world, client, outcome="won", closed=T0 - timedelta(days=3))
    recalculate_status(None, client.id, now=T0)
    assert set_client_flags(world["manager"], client.id, liquidated=True).status == "liquidated"
    assert set_client_flags(world["manager"], client.id, liquidated=False, foreign=True).status == "foreign"
    state = db.session.get(ClientWorkState, client.id)
    assert state is not None and state.flags == frozenset({"foreign"})
    with pytest.raises(AccessDenied):
        set_client_flags(world["other"], client.id, foreign=False)


def test_access_is_checked(world: dict) -> None:
    client = make_client(world, "Contoso")
    with pytest.raises(AccessDenied):
        recalculate_status(world["other"], client.id)
    with pytest.raises(AccessDenied):
        explain_status(client.id, actor=world["other"])


def test_lost_then_returned(world: dict) -> None:
    client = make_client(world, "Fabrikam")
    add_interest(world, client, outcome="won", closed=T0 - timedelta(days=500))
    old_call = Interaction(kind="call", client_id=client.id, actual_at=T0 - timedelta(days=450))
    db.session.add(old_call)
    db.session.commit()
    assert recalculate_status(None, client.id, now=T0).status == "lost"
    later = T0 + timedelta(days=20)
    add_interest(world, client, outcome="won", closed=T0 + timedelta(days=10))
    assert recalculate_status(None, client.id, now=later).status == "returned"
    statuses = [
        h.new_status for h in db.session.scalars(select(ClientStatusChange).order_by(ClientStatusChange.id))
    ]
    assert statuses == ["lost", "returned"]


def test_recalculate_all_in_batches(world: dict) -> None:
    clients = [make_client(world, f"Client {i}") for i in range(5)]
    add_interest(world, clients[0])  # open
    add_interest(world, clients[1], outcome="won", closed=T0 - timedelta(days=1))
    merged = make_client(world, "Merged away")
    merged.merged_into_id = clients[0].id
    db.session.commit()
    seen: list[int] = []
    result = recalculate_all(now=T0, batch_size=2, progress=seen.append)
    assert (result.processed, result.changed) == (5, 5)  # first calculation: every client gets history
    assert seen == [2, 4, 5]
    by_id = statuses_for_clients([c.id for c in clients])
    assert [by_id[c.id].code for c in clients] == ["in_progress", "active", "new", "new", "new"]
    assert db.session.get(ClientWorkState, merged.id) is None
    again = recalculate_all(now=T0, batch_size=2)
    assert (again.processed, again.changed) == (5, 0)


def test_rule_editing_is_validated_and_admin_only(world: dict) -> None:
    with pytest.raises(AccessDenied):
        save_status_rule(
            world["manager"],
            name="x",
            target_status="active",
            conditions_json={"type": "flag", "flag": "foreign"},
        )
    with pytest.raises(ValidationFailed):
        save_status_rule(
            world["admin"],
            name="x",
            target_status="gold",
            conditions_json={"type": "flag", "flag": "foreign"},
        )
    with pytest.raises(ValidationFailed):
        save_status_rule(world["admin"], name="x", target_status="active", conditions_json={"type": "nope"})
    # A new first rule: any client created within 30 days is "New" even with an open interest.
    rule = save_status_rule(
        world["admin"],
        name="Fresh",
        target_status="new",
        position=1,
        conditions_json={"type": "created", "within_days": 30},
    )
    fresh = make_client(world, "Fresh Ltd", created=T0 - timedelta(days=3))
    add_interest(world, fresh)
    explained = recalculate_status(None, fresh.id, now=T0)
    assert explained.status == "new" and explained.rule is not None and explained.rule.id == rule.id


def test_scheduled_recalculation_honours_the_schedule(world: dict) -> None:
    client = make_client(world, "Scheduled")
    add_interest(world, client)
    save_schedule(world["admin"], enabled=True, mode="interval", interval_hours=6)
    first = run_recalculation_if_due(now=T0)
    assert first is not None and first.changed == 1
    assert run_recalculation_if_due(now=T0 + timedelta(hours=5)) is None
    assert run_recalculation_if_due(now=T0 + timedelta(hours=6)) is not None
    assert get_schedule().last_result["processed"] == 1
    with pytest.raises(AccessDenied):
        save_schedule(world["manager"], enabled=False, mode="daily")
    with pytest.raises(ValidationFailed):
        save_schedule(world["admin"], enabled=True, mode="daily", daily_at="25:00")


def test_status_dynamics_mix_and_transitions(world: dict) -> None:
    _a, b, _c = (make_client(world, n) for n in ("A", "B", "C"))
    add_interest(world, _a)  # open -> in progress
    won_b = add_interest(world, b)  # open now, won during the week
    recalculate_all(now=T0)
    won_b.outcome, won_b.closed_at = "won", T0 + timedelta(days=2)
    db.session.commit()
    make_client(world, "D (new this week)", created=T0 + timedelta(days=1))
    recalculate_all(now=T0 + timedelta(days=3))
    report = status_dynamics(period_end=T0 + timedelta(days=6))  # the default week: T0-1d .. T0+6d
    assert report.period_start == T0 - timedelta(days=1)
    assert report.mix_start["new"] == 3 and report.mix_start["in_progress"] == 0
    assert (report.mix_end["in_progress"], report.mix_end["active"], report.mix_end["new"]) == (1, 1, 2)
    assert report.change("active") == 1
    # A stayed in progress from T0, B went on to Active, C stayed New, D appeared during the week.
    expected = {("new", "in_progress"): 1, ("new", "active"): 1, ("new", "new"): 1, (None, "new"): 1}
    assert report.transitions == expected
    assert report.moved == {("new", "in_progress"): 1, ("new", "active"): 1, (None, "new"): 1}
    # A manager who sees none of these clients sees an empty report.
    empty = status_dynamics(world["other"], period_end=T0 + timedelta(days=6))
    assert sum(empty.mix_end.values()) == 0
