"""Messages and signals: correlation by name + key (inside a subprocess too), message start events,
unmatched messages kept and reported, signal broadcast to boundary events."""

from __future__ import annotations

from flask import Flask
from runtime_support import deploy_fixture, events_of
from sqlalchemy import select

from engine import events as ev
from engine.db import db
from engine.instances import instance_data, start_instance, suspend_instance
from engine.messages import broadcast_signal, deliver_message, redeliver_unmatched, unmatched_messages
from engine.task_queries import tasks_for_instance
from engine.wait_models import EventSubscription


def _subscriptions(instance_id: int) -> list[tuple[str, str, str | None, str]]:
    rows = db.session.scalars(select(EventSubscription).where(EventSubscription.instance_id == instance_id))
    return sorted((r.kind, r.name, r.correlation_key, r.element_id) for r in rows)


def test_message_goes_only_to_the_instance_with_that_correlation_key(any_app: Flask) -> None:
    deploy_fixture("rt_messages")
    a = start_instance("rt_messages", business_key="deal-A")
    b = start_instance("rt_messages", business_key="deal-B")
    assert _subscriptions(a.id) == [("message", "client_reply", "deal-A", "WaitReply")]
    result = deliver_message("client_reply", "deal-B", {"text": "yes, send the contract"})
    assert result.delivered_to == [b.id] and result.unmatched_id is None
    assert tasks_for_instance(a.id) == []
    assert [t.element_id for t in tasks_for_instance(b.id)] == ["Read"]
    assert instance_data(b.id)["text"] == "yes, send the contract"
    [received] = events_of(b.id, ev.MESSAGE_RECEIVED)
    assert received.element_id == "WaitReply" and received.business_key == "deal-B"
    assert _subscriptions(b.id) == [("signal", "stop_all", None, "Stop")]


def test_unmatched_message_is_stored_and_can_be_redelivered(any_app: Flask) -> None:
    deploy_fixture("rt_messages")
    result = deliver_message("client_reply", "deal-X", {"text": "early"})
    assert result.delivered_to == [] and result.unmatched_id is not None
    [stored] = unmatched_messages()
    assert (stored.name, stored.correlation_key, stored.payload) == (
        "client_reply",
        "deal-X",
        {"text": "early"},
    )
    instance = start_instance("rt_messages", business_key="deal-X")
    again = redeliver_unmatched(stored.id)
    assert again.delivered_to == [instance.id]
    assert unmatched_messages() == []


def test_suspended_instance_does_not_take_messages(any_app: Flask) -> None:
    deploy_fixture("rt_messages")
    instance = start_instance("rt_messages", business_key="deal-S")
    suspend_instance(instance.id)
    assert _subscriptions(instance.id) == []
    assert deliver_message("client_reply", "deal-S", {}).unmatched_id is not None


def test_message_start_event_starts_an_instance(any_app: Flask) -> None:
    definition = deploy_fixture("rt_message_start")
    result = deliver_message("new_lead", "lead-42", {"email": "a@example.com"})
    [instance_id] = result.started
    assert result.unmatched_id is None
    [task] = tasks_for_instance(instance_id)
    assert task.element_id == "Qualify" and task.business_key == "lead-42"
    assert task.definition_id == definition.id
    assert instance_data(instance_id)["email"] == "a@example.com"


def test_signal_interrupts_every_waiting_instance(any_app: Flask) -> None:
    deploy_fixture("rt_messages")
    instances = [start_instance("rt_messages", business_key=f"d{i}") for i in range(3)]
    for inst in instances[:2]:
        deliver_message("client_reply", inst.business_key, {})
    result = broadcast_signal("stop_all")
    assert sorted(result.delivered_to) == [instances[0].id, instances[1].id]
    for inst in instances[:2]:
        assert [t.status for t in tasks_for_instance(inst.id)] == ["cancelled"]
        assert [e.element_id for e in events_of(inst.id, ev.SIGNAL_RECEIVED)] == ["Stop"]
        assert db.session.get(type(inst), inst.id).status == "completed"  # type: ignore[union-attr]
    assert _subscriptions(instances[2].id) == [("message", "client_reply", "d2", "WaitReply")]


def test_a_failing_subscriber_does_not_stop_delivery_to_the_others(any_app: Flask, monkeypatch) -> None:
    from engine import messages
    from engine.runtime_errors import StepFailed

    deploy_fixture("rt_messages")
    a = start_instance("rt_messages", business_key="deal-Z")
    b = start_instance("rt_messages", business_key="deal-Z")
    real_catch = messages.catch_in_task

    def failing_for_a(step, task, kind, name, payload):
        if step.instance.id == a.id:
            raise StepFailed(a.id, "Read", "a script after the catch event failed")
        real_catch(step, task, kind, name, payload)

    monkeypatch.setattr(messages, "catch_in_task", failing_for_a)
    result = deliver_message("client_reply", "deal-Z", {"text": "hello"})
    assert result.delivered_to == [b.id] and result.failed == [a.id]
    assert result.unmatched_id is not None  # kept for redelivery
    assert [t.element_id for t in tasks_for_instance(b.id)] == ["Read"]
    assert tasks_for_instance(a.id) == []
    monkeypatch.setattr(messages, "catch_in_task", real_catch)
    again = redeliver_unmatched(result.unmatched_id)
    assert again.delivered_to == [a.id]
