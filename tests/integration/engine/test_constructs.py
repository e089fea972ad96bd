"""BPMN constructs through the durable runtime, each from a real .bpmn file: parallel gateways, embedded
subprocess, DMN business rule, sequential and parallel multi-instance, call activity, error and escalation
boundary events, event-based gateway, loops that complete with bounded state (300 user-task rounds, 1,200
automatic rounds, 1,000 user-task rounds and 1,200 automatic rounds beside a waiting parallel branch, 1,000
automatic rounds with a parallel gateway inside, 100 rounds of three parallel reviews finished in every
order), an endless automatic loop and a tree that cannot be cut failing loudly."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from runtime_support import FIXTURES, deploy_fixture, events_of
from sqlalchemy import func, select

import engine.stepper as stepper
from engine import events as ev
from engine.db import db, utcnow
from engine.humantasks import complete_task
from engine.instance_model import ProcessInstance
from engine.instances import get_instance, instance_data, start_instance
from engine.messages import deliver_message
from engine.runtime_errors import StepFailed
from engine.task_queries import tasks_for_instance
from engine.timers import fire_due_timers

OWN_FIXTURES = Path(__file__).resolve().parent / "bpmn"


def _open(instance_id: int) -> list[str]:
    return sorted(t.element_id for t in tasks_for_instance(instance_id, open_only=True))


def _do(instance_id: int, element_id: str, data: dict | None = None) -> None:  # type: ignore[type-arg]
    task = next(t for t in tasks_for_instance(instance_id, open_only=True) if t.element_id == element_id)
    complete_task(task.id, 1, data or {})


def test_parallel_subprocess_dmn_multi_instance_and_call_activity(any_app: Flask) -> None:
    dmn = {"rt_discount.dmn": (FIXTURES / "rt_discount.dmn").read_text()}
    deploy_fixture("rt_constructs", dmn=dmn)
    instance = start_instance(
        "rt_constructs", data={"amount": 150000, "signers": ["ann", "bob"], "offices": ["msk", "spb", "kzn"]}
    )
    assert _open(instance.id) == ["Budget", "Legal"]  # parallel split; Budget is inside the subprocess
    _do(instance.id, "Legal")
    assert _open(instance.id) == ["Budget"]  # the join waits for the other branch
    _do(instance.id, "Budget")
    assert instance_data(instance.id)["discount"] == 10  # DMN business-rule task
    # Sequential multi-instance: one signer at a time.
    assert _open(instance.id) == ["Sign"]
    _do(instance.id, "Sign", {"signature": "ann-ok"})
    assert _open(instance.id) == ["Sign"]
    _do(instance.id, "Sign", {"signature": "bob-ok"})
    # Parallel multi-instance: all three at once.
    assert _open(instance.id) == ["Notify", "Notify", "Notify"]
    for _ in range(3):
        _do(instance.id, "Notify", {"ack": True})
    assert _open(instance.id) == ["Box"]  # call activity into rt_archive
    _do(instance.id, "Box")
    assert get_instance(instance.id).status == "completed"
    data = instance_data(instance.id)
    assert data["signatures"] == ["ann-ok", "bob-ok"] and data["notified"] == [True, True, True]


def test_error_boundary_interrupts_the_subprocess(any_app: Flask) -> None:
    deploy_fixture("rt_errors")
    instance = start_instance("rt_errors")
    _do(instance.id, "Assess", {"verdict": "reject"})
    assert _open(instance.id) == ["Appeal"]
    _do(instance.id, "Appeal")
    assert get_instance(instance.id).status == "completed"


def test_escalation_boundary_does_not_interrupt(any_app: Flask) -> None:
    deploy_fixture("rt_errors")
    instance = start_instance("rt_errors")
    _do(instance.id, "Assess", {"verdict": "big"})
    assert _open(instance.id) == ["Finish", "InformBoss"]
    _do(instance.id, "InformBoss")
    _do(instance.id, "Finish")
    assert get_instance(instance.id).status == "completed"


def test_event_based_gateway_message_wins(any_app: Flask) -> None:
    deploy_fixture("rt_event_gateway")
    instance = start_instance("rt_event_gateway", business_key="inv-1")
    assert deliver_message("invoice_paid", "inv-1", {"paid": True}).delivered_to == [instance.id]
    assert _open(instance.id) == ["Ship"]
    assert fire_due_timers(now=utcnow() + timedelta(days=4)) == 0  # the timer branch is gone


def test_event_based_gateway_timer_wins(any_app: Flask) -> None:
    deploy_fixture("rt_event_gateway")
    t0 = utcnow()
    instance = start_instance("rt_event_gateway", business_key="inv-2", now=t0)
    assert fire_due_timers(now=t0 + timedelta(days=3, minutes=1)) == 1
    assert _open(instance.id) == ["Call"]
    assert deliver_message("invoice_paid", "inv-2", {}).unmatched_id is not None


def test_loop_of_300_rounds_completes_and_state_stays_small(any_app: Flask) -> None:
    deploy_fixture("rt_loop")
    instance = start_instance("rt_loop", data={"target": 300})
    sizes = {}
    for round_no in range(1, 301):
        [task] = tasks_for_instance(instance.id, open_only=True)
        complete_task(task.id, 1, {"note": f"round {round_no}"})
        if round_no in (10, 299):
            sizes[round_no] = len(get_instance(instance.id).state)
    assert get_instance(instance.id).status == "completed"
    assert instance_data(instance.id)["rounds"] == 300
    # Completed history is compacted out of the hot state: round 299 stores about what round 10 did.
    assert sizes[299] < sizes[10] * 1.5, sizes
    assert len(events_of(instance.id, ev.VARIANT_CHOSEN)) == 300


def test_automatic_loop_of_1200_rounds_in_one_step_completes(any_app: Flask) -> None:
    # 1,200 script rounds are ~2,400 task levels in one step: past SpiffWorkflow's 1,000-level walk the
    # next ready task is invisible and the instance used to stop at round 499, "running" with nothing open.
    deploy_fixture("rt_auto_loop")
    instance = start_instance("rt_auto_loop", data={"target": 1200})
    assert _open(instance.id) == ["Check"]
    assert instance_data(instance.id)["rounds"] == 1200
    _do(instance.id, "Check")
    assert get_instance(instance.id).status == "completed"


def test_an_automatic_loop_of_1200_rounds_beside_a_waiting_branch_completes(any_app: Flask) -> None:
    # Beside a waiting parallel branch the trunk cannot be cut; the loop's finished chain is shortened
    # instead (chain compression), so its next task never sinks below SpiffWorkflow's 1,000-level walk.
    deploy_fixture("rt_parallel_loop")
    instance = start_instance("rt_parallel_loop", data={"target": 1200})
    assert _open(instance.id) == ["Wait"]
    assert len(get_instance(instance.id).state) < 20_000  # a dozen tasks, not 2,400
    _do(instance.id, "Wait")
    assert get_instance(instance.id).status == "completed"
    assert instance_data(instance.id)["rounds"] == 1200


def test_1000_user_task_rounds_beside_a_waiting_branch_keep_the_state_small(any_app: Flask) -> None:
    deploy_fixture("rt_parallel_user_loop", text=(OWN_FIXTURES / "rt_parallel_user_loop.bpmn").read_text())
    instance = start_instance("rt_parallel_user_loop", data={"target": 1000})
    sizes = {}
    for round_no in range(1, 1001):
        call = next(t for t in tasks_for_instance(instance.id, open_only=True) if t.element_id == "Call")
        complete_task(call.id, 1, {"note": f"call {round_no}"})
        if round_no in (100, 999):
            sizes[round_no] = len(get_instance(instance.id).state)
    assert _open(instance.id) == ["Approve"]  # the loop is done; the join waits for the other branch
    assert sizes[999] < sizes[100] * 1.5, sizes  # round 999 stores about what round 100 did
    _do(instance.id, "Approve")
    assert get_instance(instance.id).status == "completed"
    assert instance_data(instance.id)["rounds"] == 1000
    assert len(events_of(instance.id, ev.VARIANT_CHOSEN)) == 1000


def test_an_automatic_loop_with_a_parallel_gateway_inside_runs_1000_rounds(any_app: Flask) -> None:
    # Each round splits into two script branches and joins them. SpiffWorkflow's join looks at every
    # earlier round's join task, so the tree must be cut while the step runs, rounds included.
    deploy_fixture("rt_loop_with_parallel", text=(OWN_FIXTURES / "rt_loop_with_parallel.bpmn").read_text())
    instance = start_instance("rt_loop_with_parallel", data={"target": 1000})
    assert _open(instance.id) == ["Check"]
    data = instance_data(instance.id)
    assert (data["rounds"], data["legal"], data["finance"]) == (1000, 1000, 1000)  # this round's values
    assert len(get_instance(instance.id).state) < 10_000


REVIEW_ORDERS = [
    ("Legal", "Finance", "Security"), ("Security", "Legal", "Finance"), ("Finance", "Security", "Legal"),
    ("Legal", "Security", "Finance"), ("Finance", "Legal", "Security"), ("Security", "Finance", "Legal"),
]  # fmt: skip


def test_a_rework_loop_of_three_parallel_reviews_waits_for_all_three_every_round(any_app: Flask) -> None:
    # The reviews finish in a different order each round: the join must neither fire early (on an earlier
    # round's arrival) nor wait for an arrival already made (one the history cut took away).
    deploy_fixture("rt_review_loop", text=(OWN_FIXTURES / "rt_review_loop.bpmn").read_text())
    rounds = 100
    instance = start_instance("rt_review_loop", data={"target": rounds, "rounds": 0, "mismatch": 0})
    sizes = {}
    for round_no in range(1, rounds + 1):
        assert _open(instance.id) == ["Prepare"], round_no
        _do(instance.id, "Prepare")
        waiting = {"Legal", "Finance", "Security"}
        for review in REVIEW_ORDERS[round_no % len(REVIEW_ORDERS)]:
            assert set(_open(instance.id)) == waiting, (round_no, review)
            _do(instance.id, review, {review.lower(): round_no})
            waiting.discard(review)
        if round_no in (10, rounds - 1):
            sizes[round_no] = len(get_instance(instance.id).state)
    assert _open(instance.id) == ["Sign"]
    data = instance_data(instance.id)
    assert (data["rounds"], data["mismatch"]) == (rounds, 0)  # each round's join saw that round's reviews
    assert sizes[rounds - 1] < sizes[10] * 1.5, sizes
    assert len(events_of(instance.id, ev.VARIANT_CHOSEN)) == rounds
    _do(instance.id, "Sign")
    assert get_instance(instance.id).status == "completed"


def test_an_endless_automatic_loop_fails_with_a_clear_message_and_stores_nothing(
    any_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy_fixture("rt_auto_loop")
    monkeypatch.setattr(stepper, "MAX_AUTOMATIC_TASKS", 600)  # the real limit is 20,000 tasks
    with pytest.raises(StepFailed, match="more than 600 automatic tasks in one step"):
        start_instance("rt_auto_loop", data={"target": 10**9})
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_a_tree_too_deep_to_compact_fails_loudly_and_stores_nothing(
    any_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tree whose history cannot be cut (stand-in: compaction that finds nothing to remove) must make the
    # step refuse once the next task sinks below SpiffWorkflow's 1,000-level walk, not stall silently.
    # (Real such trees: a loop with a parallel gateway inside, whose join bookkeeping must stay each round.)
    deploy_fixture("rt_auto_loop")
    monkeypatch.setattr(stepper, "compact_history", lambda workflow: 0)
    with pytest.raises(StepFailed, match="task tree"):
        start_instance("rt_auto_loop", data={"target": 1200})
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0
