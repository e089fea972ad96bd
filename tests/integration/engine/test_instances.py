"""Instance lifecycle: start, cancel, suspend/resume, a failing step leaves the database copy authoritative,
and the stored state reloads unchanged."""

from __future__ import annotations

import pytest
from flask import Flask
from runtime_support import APPROVAL_FORMS, deploy_fixture, kinds

from engine import events as ev
from engine.db import db
from engine.humantasks import complete_task
from engine.instances import (
    cancel_instance,
    get_instance,
    instance_data,
    instances_for_business_key,
    resume_instance,
    start_instance,
    suspend_instance,
)
from engine.runtime_errors import InstanceNotRunning, NoStartableDefinition, StepFailed, TaskNotOpen
from engine.serialization import dump_state
from engine.stepper import open_step
from engine.task_queries import tasks_for_instance


def test_start_records_row_and_event(any_app: Flask) -> None:
    definition = deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    instance = start_instance("rt_approval", data={"approver_id": 1}, business_key="deal-9", started_by=4)
    row = get_instance(instance.id)
    assert (row.definition_id, row.process_key, row.status, row.started_by) == (
        definition.id,
        "rt_approval",
        "running",
        4,
    )
    assert row.state and '"spec"' not in row.state[:2000]  # no embedded spec in the stored state
    assert instances_for_business_key("deal-9") == [row]
    with pytest.raises(NoStartableDefinition):
        start_instance("no_such_key")


def test_cancel_closes_tasks_and_refuses_further_work(any_app: Flask) -> None:
    deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    instance = start_instance("rt_approval", data={"approver_id": 1})
    task = tasks_for_instance(instance.id)[0]
    cancel_instance(instance.id, user_id=3, reason="client left")
    row = get_instance(instance.id)
    assert row.status == "cancelled" and row.ended_at is not None
    assert [t.status for t in tasks_for_instance(instance.id)] == ["cancelled"]
    assert kinds(instance.id)[-2:] == [ev.INSTANCE_CANCELLED, ev.TASK_CANCELLED]
    with pytest.raises(TaskNotOpen):
        complete_task(task.id, 1, {"amount": 1}, ["sales"])


def test_suspended_instance_refuses_completion_until_resumed(any_app: Flask) -> None:
    deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    instance = start_instance("rt_approval", data={"approver_id": 1})
    task = tasks_for_instance(instance.id)[0]
    suspend_instance(instance.id)
    assert tasks_for_instance(instance.id, open_only=True) == [task]
    with pytest.raises(InstanceNotRunning):
        complete_task(task.id, 1, {"amount": 1}, ["sales"])
    resume_instance(instance.id)
    complete_task(task.id, 1, {"amount": 1}, ["sales"])
    assert [k for k in kinds(instance.id) if k in (ev.INSTANCE_SUSPENDED, ev.INSTANCE_RESUMED)] == [
        ev.INSTANCE_SUSPENDED,
        ev.INSTANCE_RESUMED,
    ]


def test_failing_script_rolls_back_and_database_copy_stays_authoritative(any_app: Flask) -> None:
    deploy_fixture("rt_script")
    instance = start_instance("rt_script")
    before = get_instance(instance.id)
    state_before, version_before = before.state, before.version
    task = tasks_for_instance(instance.id)[0]
    with pytest.raises(StepFailed) as info:
        complete_task(task.id, 1, {"amount": 10, "divisor": 0})
    assert info.value.element_id == "Compute" and "division by zero" in str(info.value)
    after = get_instance(instance.id)
    assert (after.state, after.version) == (state_before, version_before)
    assert tasks_for_instance(instance.id)[0].status == "open"
    complete_task(task.id, 1, {"amount": 10, "divisor": 4})
    assert instance_data(instance.id)["share"] == 2.5
    assert [t.element_id for t in tasks_for_instance(instance.id, open_only=True)] == ["Review"]


def test_saved_state_reloads_unchanged(any_app: Flask) -> None:
    deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    instance = start_instance("rt_approval", data={"approver_id": 1, "nested": {"a": [1, 2]}})
    complete_task(tasks_for_instance(instance.id)[0].id, 1, {"amount": 3}, ["sales"])
    stored = get_instance(instance.id).state
    step = open_step(instance.id)
    db.session.rollback()
    assert dump_state(step.workflow) == stored
    assert instance_data(instance.id)["nested"] == {"a": [1, 2]}
