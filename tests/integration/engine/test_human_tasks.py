"""Human tasks on SQLite and PostgreSQL: projection, lanes, claiming, form validation, variants, and two
people completing the same task at the same time."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from runtime_support import APPROVAL_FORMS, deploy_fixture, events_of, kinds

import engine.stepper as stepper
from engine import events as ev
from engine.humantasks import assign, claim, complete_task, delegate, get_task, unclaim
from engine.instances import get_instance, start_instance
from engine.runtime_errors import FormDataInvalid, TaskAlreadyCompleted, TaskNotOpen, TaskNotYours
from engine.task_queries import TaskFilters, count_open_tasks_for, open_tasks_for, tasks_for_instance


def _start(**kw: Any) -> Any:
    deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    return start_instance("rt_approval", data={"approver_id": 7}, business_key="deal-1", started_by=1, **kw)


def test_ready_user_task_is_projected_with_lane_form_sla_priority(any_app: Flask) -> None:
    instance = _start()
    [task] = tasks_for_instance(instance.id)
    assert (task.element_id, task.element_name, task.lane) == ("Task_request", "Prepare request", "sales")
    assert task.form_name == "request.json" and task.form_ref == f"{instance.definition_id}/request.json"
    assert task.instructions == "Describe the discount you need."
    assert task.priority == 2 and task.status == "open" and task.business_key == "deal-1"
    assert task.due_at is not None and task.due_at > task.created_at
    assert kinds(instance.id) == [ev.INSTANCE_STARTED, ev.TASK_CREATED]


def test_assignee_expression_and_lane_visibility(any_app: Flask) -> None:
    instance = _start()
    first = tasks_for_instance(instance.id)[0]
    assert [t.id for t in open_tasks_for(3, ["Sales"])] == [first.id]
    assert open_tasks_for(3, ["managers"]) == []
    with pytest.raises(TaskNotYours):
        complete_task(first.id, 3, {"amount": 5}, ["managers"])
    complete_task(first.id, 3, {"amount": 5}, ["sales"])
    approve = tasks_for_instance(instance.id, open_only=True)[0]
    assert approve.assignee_id == 7  # from the assignee expression "approver_id"
    assert [t.id for t in open_tasks_for(7, [])] == [approve.id]
    assert open_tasks_for(8, ["managers"]) == []
    assert count_open_tasks_for(7, [], TaskFilters(business_key="deal-1")) == 1
    with pytest.raises(TaskNotYours):
        complete_task(approve.id, 8, {"approved": True}, ["managers"])


def test_form_data_is_validated_on_the_server(any_app: Flask) -> None:
    instance = _start()
    task = tasks_for_instance(instance.id)[0]
    with pytest.raises(FormDataInvalid) as info:
        complete_task(task.id, 1, {"amount": 0, "comment": 5}, ["sales"])
    paths = dict(info.value.errors)
    assert set(paths) == {"amount", "comment"}
    assert get_task(task.id).status == "open"
    assert get_instance(instance.id).version == 2  # nothing was written by the failed attempt


def test_completion_records_variant_and_completed_task_cannot_be_completed_again(any_app: Flask) -> None:
    instance = _start()
    request = tasks_for_instance(instance.id)[0]
    complete_task(request.id, 1, {"amount": 5}, ["sales"])
    approve = tasks_for_instance(instance.id, open_only=True)[0]
    complete_task(approve.id, 7, {"approved": False}, [])
    [variant] = events_of(instance.id, ev.VARIANT_CHOSEN)
    assert variant.details["gateway"] == "Gateway_decision"
    assert (variant.details["flow"], variant.details["variant"]) == ("Flow_no", "Needs revision")
    assert (variant.task_id, variant.user_id, variant.business_key) == (approve.id, 7, "deal-1")
    with pytest.raises(TaskAlreadyCompleted) as info:
        complete_task(approve.id, 7, {"approved": True}, [])
    assert info.value.completed_by == 7 and info.value.completed_at is not None
    revise = tasks_for_instance(instance.id, open_only=True)[0]
    assert revise.element_id == "Task_revise"
    complete_task(revise.id, 1, {}, ["sales"])
    again = tasks_for_instance(instance.id, open_only=True)[0]
    complete_task(again.id, 1, {"amount": 3}, ["sales"])
    final = tasks_for_instance(instance.id, open_only=True)[0]
    complete_task(final.id, 7, {"approved": True}, [])
    assert get_instance(instance.id).status == "completed"
    variants = [e.details["variant"] for e in events_of(instance.id, ev.VARIANT_CHOSEN)]
    assert variants == ["Needs revision", "Approved"]
    assert kinds(instance.id)[-1] == ev.INSTANCE_COMPLETED


def test_claim_unclaim_assign_delegate(any_app: Flask) -> None:
    instance = _start()
    task = tasks_for_instance(instance.id)[0]
    with pytest.raises(TaskNotYours):
        claim(task.id, 3, ["managers"])
    assert claim(task.id, 3, ["sales"]).assignee_id == 3
    with pytest.raises(TaskNotYours):
        claim(task.id, 4, ["sales"])
    with pytest.raises(TaskNotYours):
        complete_task(task.id, 4, {"amount": 1}, ["sales"])
    assert unclaim(task.id, 3).assignee_id is None
    assert assign(task.id, 5, by=99).assignee_id == 5
    with pytest.raises(TaskNotYours):
        delegate(task.id, 6, by=3)
    assert delegate(task.id, 6, by=5).assignee_id == 6
    assert [e.kind for e in events_of(instance.id, ev.TASK_ASSIGNED)] == [ev.TASK_ASSIGNED] * 2
    assert len(events_of(instance.id, ev.TASK_CLAIMED)) == 1
    assert len(events_of(instance.id, ev.TASK_UNCLAIMED)) == 1


def test_a_task_that_is_not_ready_in_the_workflow_is_refused(any_app: Flask) -> None:
    """Task.run() would run a task in any state: the engine checks READY itself."""
    from engine.db import db
    from engine.humantask_model import HumanTask

    instance = _start()
    task = tasks_for_instance(instance.id)[0]
    complete_task(task.id, 1, {"amount": 5}, ["sales"])
    # Reopen the projection row behind the engine's back: the workflow task is COMPLETED.
    row = db.session.get(HumanTask, task.id)
    assert row is not None
    row.status = "open"
    db.session.commit()
    with pytest.raises(TaskNotOpen):
        complete_task(task.id, 1, {"amount": 5}, ["sales"])


def test_two_concurrent_completions_exactly_one_wins(any_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = _start()
    task_id = tasks_for_instance(instance.id)[0].id
    barrier = threading.Barrier(2, timeout=20)
    original_advance = stepper.advance
    calls = {"n": 0}

    def advance_after_both_read(step: Any) -> None:
        calls["n"] += 1
        if calls["n"] <= 2:  # the two first attempts: both have read the same version before either writes
            barrier.wait()
        original_advance(step)

    monkeypatch.setattr(stepper, "advance", advance_after_both_read)
    outcomes: list[Any] = []

    def worker(user_id: int) -> None:
        with any_app.app_context():
            try:
                complete_task(task_id, user_id, {"amount": user_id}, ["sales"])
                outcomes.append(("ok", user_id))
            except Exception as exc:
                outcomes.append((type(exc).__name__, exc))

    threads = [threading.Thread(target=worker, args=(uid,)) for uid in (11, 12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(o[0] for o in outcomes) == ["TaskAlreadyCompleted", "ok"], outcomes
    winner = next(o[1] for o in outcomes if o[0] == "ok")
    loser_error = next(o[1] for o in outcomes if o[0] != "ok")
    assert loser_error.completed_by == winner
    assert len(events_of(instance.id, ev.TASK_COMPLETED)) == 1
    assert len(tasks_for_instance(instance.id, open_only=True)) == 1
