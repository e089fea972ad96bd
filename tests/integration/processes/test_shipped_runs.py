"""The shipped route maps run end to end on SQLite and PostgreSQL through the CRM services that start them,
plus the services' refusals (a second start, bad trigger parameters, a notification with no recipient)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from crm.deals.models import Interest
from crm.errors import AccessDenied, ValidationFailed
from crm.process_operations import notify_operation
from crm.processes import (
    ProcessAlreadyRunning,
    ensure_process_groups,
    mark_notification_read,
    notifications_for,
    open_steps,
    process_of,
    start_interest_process,
)
from crm.processes_models import TriggerSetting
from crm.triggers import configure_trigger, list_triggers, settings_for_run
from engine.db import db
from engine.instances import instance_data
from tests.bdd.shipped import build_world, new_client_interest, variants


def test_sale_with_approval_runs_to_won(any_app: Flask) -> None:
    world = build_world()
    _client, interest_id = new_client_interest(world, "mary", "Romashka", "Office furniture", 480000)
    mary = world.user("mary")
    instance_id = start_interest_process(mary, interest_id, now=world.now)
    with pytest.raises(ProcessAlreadyRunning):
        start_interest_process(mary, interest_id, now=world.now)
    assert process_of(f"interest:{interest_id}").id == instance_id  # type: ignore[union-attr]
    data = instance_data(instance_id)
    assert (
        data["approver_ids"] == [world.user("helen").id]
        and data["escalation_manager_id"] == world.user("helen").id
    )
    world.complete(instance_id, "Qualify the interest", "mary", {"verdict": "qualified"})
    world.complete(instance_id, "Identify the needs", "mary", {"verdict": "proposal", "amount": 450000})
    world.complete(
        instance_id, "Prepare the commercial proposal", "mary", {"amount": 450000, "discount_percent": 12}
    )
    assert [t.element_name for t in open_steps(f"interest:{interest_id}")] == ["Approve the document"]
    world.complete(instance_id, "Approve the document", "helen", {"decision": "approve"})
    world.complete(instance_id, "Negotiate", "mary", {"outcome": "won"})
    interest = db.session.get(Interest, interest_id, populate_existing=True)
    assert interest is not None and interest.outcome == "won" and interest.process_instance_id == instance_id
    assert variants(f"interest:{interest_id}")[-3:] == ["Approve", "Approved", "Won"]
    assert instance_data(instance_id)["approval_result"] == "approved"


def test_support_appeal_reaction_breach_notifies_the_head(any_app: Flask) -> None:
    from crm.clients.services import create_client
    from crm.processes import start_ticket_process
    from crm.support.models import AppealType
    from crm.support.services import create_ticket

    world = build_world()
    db.session.add(AppealType(name="Tech support", reaction_sla="PT2H working", processing_sla="P2D"))
    db.session.commit()
    sam, victor = world.user("sam"), world.user("victor")
    client = create_client(sam, {"name": "Romashka", "kind": "company"})
    type_id = db.session.scalar(select(AppealType.id))
    ticket = create_ticket(sam, {"subject": "No invoice", "appeal_type_id": type_id, "client_id": client.id})
    instance_id = start_ticket_process(sam, ticket.id, now=world.now)
    data = instance_data(instance_id)
    assert (data["reaction_sla"], data["processing_sla"], data["scenario"]) == (
        "PT2H working",
        "P2D calendar",
        "standard",
    )
    assert data["department_head_id"] == victor.id
    world.advance_working("PT2H")
    [note] = notifications_for(victor.id)
    assert (
        note.text == "Reaction time exceeded on appeal: No invoice"
        and note.business_key == f"ticket:{ticket.id}"
    )
    mark_notification_read(victor.id, note.id)
    assert notifications_for(victor.id) == []
    assert [t.element_name for t in open_steps(f"ticket:{ticket.id}")] == ["Answer the client"]


def test_trigger_settings_are_validated_and_only_for_administrators(any_app: Flask) -> None:
    world = build_world(deploy=False)
    assert [t.enabled for t in list_triggers()] == [False] * 6
    with pytest.raises(ValidationFailed):
        configure_trigger(None, "expert_mailing", params={"days_after_registration": 0})
    with pytest.raises(ValidationFailed):
        configure_trigger(None, "expert_mailing", params={"unknown": 1})
    with pytest.raises(AccessDenied):
        configure_trigger(world.user("helen"), "expert_mailing", enabled=True)
    state = configure_trigger(
        None, "expert_mailing", enabled=True, params={"periodicity": "week", "weekday": 2}
    )
    assert state.enabled and state.params["days_after_registration"] == 7
    row = db.session.scalars(select(TriggerSetting)).one()
    assert row.params == {
        "periodicity": "week",
        "weekday": 2,
    }  # only what differs from the defaults is stored
    monday = world.now.isoformat()
    assert settings_for_run("expert_mailing", monday)["due_today"] is False
    tuesday = (world.now + timedelta(days=1)).isoformat()
    assert settings_for_run("expert_mailing", tuesday)["due_today"] is True
    assert settings_for_run("recreate_lost", monday)["due_today"] is True  # a daily trigger


def test_notification_needs_a_recipient_and_groups_are_idempotent(any_app: Flask) -> None:
    world = build_world(deploy=False)
    with pytest.raises(ValidationFailed):
        notify_operation("Hello")
    groups = ensure_process_groups()
    assert sorted(g.code for g in groups) == ["sales", "support"]
    assert sorted(g.code for g in ensure_process_groups()) == ["sales", "support"]
    assert "sales" in world.user("mary").lane_keys and "support" in world.user("sam").lane_keys
