"""Timers: the scheduler fires due rows of the projection (interrupting and non-interrupting boundary
timers, cycles, timer start events), with an injected clock."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from runtime_support import FIXTURES, deploy_fixture, events_of
from sqlalchemy import func, select

from engine import events as ev
from engine import timers as engine_timers
from engine.db import db, utcnow
from engine.humantasks import complete_task
from engine.instance_model import ProcessInstance
from engine.instances import resume_instance, start_instance, suspend_instance
from engine.task_queries import tasks_for_instance
from engine.timers import fire_due_timers
from engine.wait_models import StartTrigger, WaitingTimer


def _timers(instance_id: int) -> list[tuple[str, object]]:
    rows = db.session.scalars(select(WaitingTimer).where(WaitingTimer.instance_id == instance_id)).all()
    return sorted((r.element_id, r.due_at) for r in rows)


def test_boundary_timers_are_projected_and_fire_when_due(any_app: Flask) -> None:
    deploy_fixture("rt_timers")
    t0 = utcnow()
    instance = start_instance("rt_timers", now=t0)
    timers = dict(_timers(instance.id))
    assert set(timers) == {"Escalate", "Remind"}
    assert abs((timers["Escalate"] - t0) - timedelta(hours=1)) < timedelta(seconds=5)

    assert fire_due_timers(now=t0 + timedelta(minutes=5)) == 0  # nothing due: nothing happens
    # Non-interrupting cycle: fires, the task stays, the next repetition is planned from the previous one.
    assert fire_due_timers(now=t0 + timedelta(minutes=11)) == 1
    assert [t.element_id for t in tasks_for_instance(instance.id, open_only=True)] == ["Handle"]
    remind_due = dict(_timers(instance.id))["Remind"]
    assert abs((remind_due - timers["Remind"]) - timedelta(minutes=10)) < timedelta(seconds=1)
    assert fire_due_timers(now=t0 + timedelta(minutes=21)) == 1
    assert "Remind" not in dict(_timers(instance.id))  # R2: both repetitions done

    # Interrupting: the task is cancelled, the escalation path starts.
    assert fire_due_timers(now=t0 + timedelta(hours=2)) == 1
    open_tasks = tasks_for_instance(instance.id, open_only=True)
    assert [t.element_id for t in open_tasks] == ["Supervisor"]
    assert [t.status for t in tasks_for_instance(instance.id) if t.element_id == "Handle"] == ["cancelled"]
    assert _timers(instance.id) == []
    fired = [e.element_id for e in events_of(instance.id, ev.TIMER_FIRED)]
    assert fired == ["Remind", "Remind", "Escalate"]
    complete_task(open_tasks[0].id, 1, {})
    assert db.session.get(ProcessInstance, instance.id).status == "completed"  # type: ignore[union-attr]


def test_completing_the_task_removes_its_boundary_timers(any_app: Flask) -> None:
    deploy_fixture("rt_timers")
    instance = start_instance("rt_timers")
    complete_task(tasks_for_instance(instance.id)[0].id, 1, {})
    assert _timers(instance.id) == []
    assert fire_due_timers(now=utcnow() + timedelta(days=1)) == 0


def test_suspended_instance_timers_wait_until_resume(any_app: Flask) -> None:
    deploy_fixture("rt_timers")
    t0 = utcnow()
    instance = start_instance("rt_timers", now=t0)
    suspend_instance(instance.id)
    assert _timers(instance.id) == []
    assert fire_due_timers(now=t0 + timedelta(hours=2)) == 0
    resume_instance(instance.id)
    assert {e for e, _ in _timers(instance.id)} == {"Escalate", "Remind"}
    assert fire_due_timers(now=t0 + timedelta(hours=2)) >= 1
    assert [t.element_id for t in tasks_for_instance(instance.id, open_only=True)] == ["Supervisor"]


def test_timer_start_event_creates_instances_on_schedule(any_app: Flask) -> None:
    definition = deploy_fixture("rt_timer_start")
    t0 = utcnow()
    count = select(func.count()).where(ProcessInstance.definition_id == definition.id)
    assert fire_due_timers(now=t0) == 0  # registers the trigger: first occurrence in an hour
    assert db.session.scalar(count) == 0
    assert fire_due_timers(now=t0 + timedelta(minutes=61)) == 1
    assert db.session.scalar(count) == 1
    assert fire_due_timers(now=t0 + timedelta(minutes=62)) == 0  # not twice for one occurrence
    # Occurrences missed while no scheduler ran are skipped, not replayed in a burst (and they count).
    assert fire_due_timers(now=t0 + timedelta(hours=3, minutes=30)) == 1  # 2nd fires, 3rd (3h) is missed
    assert fire_due_timers(now=t0 + timedelta(hours=20)) == 0  # R3: the third occurrence was skipped
    assert db.session.scalar(count) == 2
    instances = db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.definition_id == definition.id)
    )
    for instance in instances:
        assert [t.element_id for t in tasks_for_instance(instance.id)] == ["Review"]
        assert _timers(instance.id) == []


def test_timer_start_with_a_past_start_date_fires_once_then_on_schedule(any_app: Flask) -> None:
    daily_since_2024 = (FIXTURES / "rt_timer_start.bpmn").read_text(encoding="utf-8")
    daily_since_2024 = daily_since_2024.replace('"R3/PT1H"', "'R/2024-01-01T09:00:00+00:00/P1D'")
    definition = deploy_fixture("rt_timer_start", text=daily_since_2024)
    t0 = utcnow()
    instances = select(ProcessInstance.id).where(ProcessInstance.definition_id == definition.id)
    # Hundreds of daily occurrences passed while no scheduler ran: one start, not one per missed day.
    assert fire_due_timers(now=t0) == 1
    assert fire_due_timers(now=t0 + timedelta(minutes=1)) == 0
    [first] = db.session.scalars(instances).all()
    assert [t.element_id for t in tasks_for_instance(first)] == ["Review"]  # one occurrence in it, too
    assert _timers(first) == []
    trigger = db.session.scalars(
        select(StartTrigger).where(StartTrigger.definition_id == definition.id)
    ).one()
    next_due = trigger.next_due_at
    assert next_due is not None and t0 < next_due <= t0 + timedelta(days=1)
    assert (next_due.hour, next_due.minute) == (9, 0)  # the schedule's own time of day, not "now + 1 day"
    # A scheduler stopped for a week: the next tick starts one instance and plans the next future 09:00.
    assert fire_due_timers(now=next_due + timedelta(days=7, minutes=5)) == 1
    assert len(db.session.scalars(instances).all()) == 2
    db.session.refresh(trigger)
    assert trigger.next_due_at == next_due + timedelta(days=8) and trigger.active
    for instance_id in db.session.scalars(instances):
        assert [t.element_id for t in tasks_for_instance(instance_id)] == ["Review"]


def test_boundary_cycle_skips_repetitions_missed_while_no_scheduler_ran(any_app: Flask) -> None:
    deploy_fixture("rt_timers")
    t0 = utcnow()
    instance = start_instance("rt_timers", now=t0)
    remind_due = dict(_timers(instance.id))["Remind"]
    # R2/PT10M, first due at +10 min; the scheduler comes back at +25 min: the first repetition fires, the
    # second (+20 min) was missed and is not replayed on the next tick.
    assert fire_due_timers(now=remind_due + timedelta(minutes=15)) == 1
    assert "Remind" not in dict(_timers(instance.id))
    assert [e.element_id for e in events_of(instance.id, ev.TIMER_FIRED)] == ["Remind"]
    assert fire_due_timers(now=remind_due + timedelta(minutes=16)) == 0


def test_two_schedulers_fire_a_due_timer_once(pg_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # Scheduler A holds the due row (FOR UPDATE) while its step runs; scheduler B's tick in that moment
    # must skip it (SKIP LOCKED), not fire it too nor wait for A.
    deploy_fixture("rt_timers")
    t0 = utcnow()
    instance = start_instance("rt_timers", now=t0)
    a_holds_row, b_done = threading.Event(), threading.Event()
    original_run_step = engine_timers.run_step

    def run_step_after_b(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "scheduler-A":  # it has selected the row FOR UPDATE
            a_holds_row.set()
            assert b_done.wait(30), "scheduler B blocked on the row A holds"
        return original_run_step(*args, **kwargs)

    monkeypatch.setattr(engine_timers, "run_step", run_step_after_b)
    fired: dict[str, int] = {}

    def tick(name: str) -> None:
        with pg_app.app_context():
            try:
                fired[name] = fire_due_timers(now=t0 + timedelta(minutes=11))
            finally:
                if name == "scheduler-B":
                    b_done.set()

    a = threading.Thread(target=tick, args=("scheduler-A",), name="scheduler-A")
    a.start()
    assert a_holds_row.wait(30)
    b = threading.Thread(target=tick, args=("scheduler-B",), name="scheduler-B")
    b.start()
    b.join(30)
    a.join(30)
    assert fired == {"scheduler-A": 1, "scheduler-B": 0}
    assert [e.element_id for e in events_of(instance.id, ev.TIMER_FIRED)] == ["Remind"]
