"""Service tasks call the operation registry; a failure opens an incident, the instance waits at the task, and
a retry (manual or the periodic job after backoff) resolves it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from runtime_support import deploy_fixture, events_of, kinds
from sqlalchemy import select

from engine import events as ev
from engine.calendar_model import WorkCalendarRecord
from engine.calendar_service import get_default_calendar
from engine.db import db, utcnow
from engine.incidents import open_incidents, retry_due_incidents, retry_incident
from engine.instances import get_instance, instance_data, resume_instance, start_instance, suspend_instance
from engine.operations import register_operation, unregister_operation
from engine.task_queries import tasks_for_instance


@pytest.fixture
def charge_operation() -> Iterator[dict[str, Any]]:
    behaviour: dict[str, Any] = {"fail": 0, "calls": []}

    def charge(amount: int) -> dict[str, Any]:
        behaviour["calls"].append(amount)
        if behaviour["fail"] > 0:
            behaviour["fail"] -= 1
            raise ConnectionError("payment gateway unreachable")
        return {"charged": amount}

    register_operation("test/charge", charge, {"type": "object", "required": ["amount"]})
    yield behaviour
    unregister_operation("test/charge")


def test_service_task_result_lands_in_its_variable(any_app: Flask, charge_operation: dict[str, Any]) -> None:
    deploy_fixture("rt_service")
    instance = start_instance("rt_service", data={"amount": 21})
    assert charge_operation["calls"] == [42]  # the parameter expression ran in the script engine
    assert instance_data(instance.id)["charge"] == {"charged": 42}
    assert [t.element_id for t in tasks_for_instance(instance.id)] == ["Check"]
    [ok] = events_of(instance.id, ev.SERVICE_CALL_OK)
    assert ok.element_id == "Charge" and ok.details["operation"] == "test/charge"


def test_failure_opens_incident_and_retry_resolves_it(
    any_app: Flask, charge_operation: dict[str, Any]
) -> None:
    deploy_fixture("rt_service")
    charge_operation["fail"] = 2
    now = utcnow()
    instance = start_instance("rt_service", data={"amount": 5}, now=now)
    assert get_instance(instance.id).status == "running"
    assert tasks_for_instance(instance.id) == []
    [incident] = open_incidents(instance.id)
    assert incident.element_id == "Charge" and incident.attempts == 1
    assert "payment gateway unreachable" in incident.error  # the real cause, not SpiffWorkflow's NameError
    assert incident.next_retry_at == now + timedelta(seconds=30)
    assert kinds(instance.id) == [ev.INSTANCE_STARTED, ev.SERVICE_CALL_FAILED, ev.INCIDENT_OPENED]

    # Not due yet: the periodic job leaves it alone.
    assert retry_due_incidents(now=now + timedelta(seconds=10)) == 0
    # Due: it retries, fails again, backs off exponentially.
    assert retry_due_incidents(now=now + timedelta(seconds=31)) == 1
    [incident] = open_incidents(instance.id)
    assert incident.attempts == 2
    assert incident.next_retry_at == now + timedelta(seconds=31) + timedelta(seconds=60)

    resolved = retry_incident(incident.id)
    assert resolved.status == "resolved" and open_incidents(instance.id) == []
    assert [t.element_id for t in tasks_for_instance(instance.id)] == ["Check"]
    assert instance_data(instance.id)["charge"] == {"charged": 10}
    assert kinds(instance.id)[-3:] == [ev.SERVICE_CALL_OK, ev.INCIDENT_RESOLVED, ev.TASK_CREATED]


def test_operation_gone_at_run_time_is_an_incident_too(
    any_app: Flask, charge_operation: dict[str, Any]
) -> None:
    deploy_fixture("rt_service")  # deploy checks the operation exists...
    unregister_operation("test/charge")  # ...but a connector may be switched off later
    instance = start_instance("rt_service", data={"amount": 5})
    [incident] = open_incidents(instance.id)
    assert "no operation named 'test/charge'" in incident.error


def test_automatic_retries_stop_after_the_modelled_count(
    any_app: Flask, charge_operation: dict[str, Any]
) -> None:
    deploy_fixture("rt_service")
    charge_operation["fail"] = 10
    now = utcnow()
    instance = start_instance("rt_service", data={"amount": 5}, now=now)
    later = now
    for _ in range(5):
        later += timedelta(days=1)
        retry_due_incidents(now=later)
    [incident] = open_incidents(instance.id)
    assert incident.attempts == 3 and incident.max_attempts == 3  # spiffworkflow:retry retries="3"
    assert incident.next_retry_at is None  # waits for a person now


@pytest.mark.parametrize("failure", ["raises after writing", "write refused by the database"])
def test_a_failed_operation_leaves_none_of_its_writes_behind(
    any_app: Flask, charge_operation: dict[str, Any], failure: str
) -> None:
    # The step commits the incident; what the operation wrote before failing must not commit with it.
    get_default_calendar()  # the calendar named "default" exists: a second one breaks its unique name

    def half_done(amount: int) -> dict[str, Any]:
        name = "default" if failure == "write refused by the database" else "half-done"
        db.session.add(WorkCalendarRecord(name=name, timezone="UTC", schedule={}))
        db.session.flush()
        raise ConnectionError("payment gateway unreachable")

    register_operation("test/charge", half_done, {"type": "object", "required": ["amount"]})
    deploy_fixture("rt_service")
    instance = start_instance("rt_service", data={"amount": 5})
    [incident] = open_incidents(instance.id)
    assert incident.element_id == "Charge"
    names = set(db.session.scalars(select(WorkCalendarRecord.name)))
    assert names == {"default"}


def test_a_retry_whose_step_then_fails_backs_off_instead_of_running_every_tick(
    any_app: Flask, charge_operation: dict[str, Any]
) -> None:
    # The call succeeds on retry, but the script after it fails: the step rolls back. The incident must
    # wait for its next backoff, not call the operation again on every tick of the periodic job.
    deploy_fixture("rt_service_then_script")
    charge_operation["fail"] = 1
    now = utcnow()
    instance = start_instance("rt_service_then_script", data={"amount": 5}, now=now)
    [incident] = open_incidents(instance.id)
    due = now + timedelta(seconds=31)
    assert retry_due_incidents(now=due) == 0  # it ran and failed: not counted as a retry that ran
    assert len(charge_operation["calls"]) == 2
    [incident] = open_incidents(instance.id)
    assert incident.attempts == 2
    assert incident.next_retry_at == due + timedelta(seconds=60)
    assert "receipt_no" in incident.error
    assert retry_due_incidents(now=due + timedelta(seconds=1)) == 0
    assert len(charge_operation["calls"]) == 2  # not called again before the backoff ran out


def test_incidents_of_a_suspended_instance_wait_for_its_resumption(
    any_app: Flask, charge_operation: dict[str, Any]
) -> None:
    deploy_fixture("rt_service")
    charge_operation["fail"] = 1
    now = utcnow()
    instance = start_instance("rt_service", data={"amount": 5}, now=now)
    suspend_instance(instance.id)
    assert retry_due_incidents(now=now + timedelta(hours=1)) == 0
    assert len(charge_operation["calls"]) == 1
    resume_instance(instance.id)
    assert retry_due_incidents(now=now + timedelta(hours=1)) == 1
    assert open_incidents(instance.id) == []
