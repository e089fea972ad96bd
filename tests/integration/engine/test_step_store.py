"""The step's write statements on SQLite and PostgreSQL (where they travel in psycopg pipelines): the
versioned UPDATE refuses a stale version and keeps nothing, and the last INSERT commits atomically with
everything the ORM holds, or not at all."""

from __future__ import annotations

from typing import Any, cast

import pytest
from flask import Flask
from runtime_support import APPROVAL_FORMS, deploy_fixture
from sqlalchemy import Table, func, select

from engine import events as ev
from engine.db import db, utcnow
from engine.humantask_model import COMPLETED, OPEN, HumanTask
from engine.instance_model import ProcessInstance
from engine.instances import start_instance
from engine.step_store import insert_and_commit, read_task_and_instance, write_step_rows
from engine.task_queries import tasks_for_instance
from engine.wait_models import WaitingTimer

EVENTS = cast(Table, ev.ProcessEvent.__table__)


def _open_task() -> tuple[HumanTask, ProcessInstance]:
    deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    instance = start_instance("rt_approval", data={"approver_id": 7}, business_key="deal-1", started_by=1)
    [task] = tasks_for_instance(instance.id, open_only=True)
    found = read_task_and_instance(task.id)
    assert found is not None
    return found[0], found[1].instance


def _committed(statement: Any) -> Any:
    """A value read through a fresh connection (so only what is committed counts)."""
    with db.engine.connect() as connection:
        return connection.execute(statement).scalar()


def test_write_step_rows_writes_instance_and_task_and_keeps_them_loaded(any_app: Flask) -> None:
    row, instance = _open_task()
    version, now = instance.version, utcnow()
    finished = {"status": COMPLETED, "completed_by": 3, "completed_at": now, "assignee_id": 3}

    assert write_step_rows(instance, {"state": instance.state, "updated_at": now}, [(row, finished)], OPEN)

    assert instance.version == version + 1 and row.status == COMPLETED
    assert not db.session.dirty  # told the values, nothing left for an ORM flush
    db.session.commit()
    stored = select(ProcessInstance.version).where(ProcessInstance.id == instance.id)
    assert _committed(stored) == version + 1
    assert _committed(select(HumanTask.completed_by).where(HumanTask.id == row.id)) == 3


def test_write_step_rows_refuses_a_stale_version_and_keeps_nothing(any_app: Flask) -> None:
    row, instance = _open_task()
    version = instance.version
    db.session.execute(  # someone else stepped the instance meanwhile
        ProcessInstance.__table__.update()
        .where(ProcessInstance.id == instance.id)
        .values(version=version + 1)
    )
    finished = {"status": COMPLETED, "completed_by": 3, "completed_at": utcnow(), "assignee_id": 3}

    assert not write_step_rows(instance, {"state": "{}", "updated_at": utcnow()}, [(row, finished)], OPEN)

    assert instance.version == version and instance.state != "{}" and row.status == OPEN
    db.session.rollback()


def test_write_step_rows_refuses_a_task_that_is_no_longer_open(any_app: Flask) -> None:
    row, instance = _open_task()
    db.session.execute(HumanTask.__table__.update().where(HumanTask.id == row.id).values(status=COMPLETED))
    finished = {"status": COMPLETED, "completed_by": 3, "completed_at": utcnow(), "assignee_id": 3}

    assert not write_step_rows(instance, {"updated_at": utcnow()}, [(row, finished)], OPEN)
    db.session.rollback()


def _event(instance: ProcessInstance, kind: str) -> dict[str, Any]:
    [row] = ev.event_rows(
        [{"kind": kind, "details": {"n": 1}}],
        instance_id=instance.id,
        definition_id=instance.definition_id,
        business_key=instance.business_key,
        at=utcnow(),
    )
    return row


def test_insert_and_commit_commits_the_rows_with_what_the_orm_holds(any_app: Flask) -> None:
    _row, instance = _open_task()
    before = _committed(select(func.count()).select_from(EVENTS))
    timers = _committed(select(func.count()).select_from(WaitingTimer.__table__))
    db.session.add(
        WaitingTimer(instance_id=instance.id, spiff_task_id="t-1", element_id="Timer", due_at=utcnow())
    )

    insert_and_commit(EVENTS, [_event(instance, ev.ERROR), _event(instance, ev.TIMER_FIRED)])

    assert _committed(select(func.count()).select_from(EVENTS)) == before + 2
    assert _committed(select(func.count()).select_from(WaitingTimer.__table__)) == timers + 1
    details = _committed(select(ev.ProcessEvent.details).where(ev.ProcessEvent.kind == ev.TIMER_FIRED))
    assert details == {"n": 1}
    # The session goes on normally after the commit.
    assert db.session.get(ProcessInstance, instance.id) is not None


def test_insert_and_commit_failing_insert_commits_nothing(any_app: Flask) -> None:
    _row, instance = _open_task()
    before = _committed(select(func.count()).select_from(EVENTS))
    timers = _committed(select(func.count()).select_from(WaitingTimer.__table__))
    db.session.add(
        WaitingTimer(instance_id=instance.id, spiff_task_id="t-1", element_id="Timer", due_at=utcnow())
    )
    broken = {**_event(instance, ev.ERROR), "kind": None}  # NOT NULL

    with pytest.raises(Exception):  # noqa: B017 - the driver's IntegrityError, wrapped or not
        insert_and_commit(EVENTS, [_event(instance, ev.ERROR), broken])
    db.session.rollback()

    assert _committed(select(func.count()).select_from(EVENTS)) == before
    assert _committed(select(func.count()).select_from(WaitingTimer.__table__)) == timers
