"""Incremental rollup of the process event log into the analytics tables (``engine.analytics.models``).

``refresh_facts`` reads the events after its cursor in id order, in batches, and updates instance, step,
branch and per-day element facts; each batch commits with the cursor, so a crash repeats at most one batch
(the cursor update is conditional: two concurrent refreshes cannot both apply the same batch).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update

from engine import events as ev
from engine.analytics.models import (
    STEP_CANCELLED,
    STEP_COMPLETED,
    STEP_OPEN,
    AnalyticsCursor,
    BranchFact,
    ElementDay,
    InstanceFact,
    StepFact,
)
from engine.analytics.sla_clock import merge_pauses
from engine.analytics.summary_rollup import BranchPair, SummaryDelta, clear_summaries, refresh_people
from engine.calendar import WorkCalendar
from engine.calendar_service import get_default_calendar
from engine.db import db, utcnow
from engine.events import ProcessEvent
from engine.humantask_model import HumanTask

CURSOR_NAME = "process_facts"
DEFAULT_BATCH = 5000
# Events that mean "the flow passed this element" for the heat map's frequency.
PASS_KINDS = {
    ev.TASK_CREATED,
    ev.VARIANT_CHOSEN,
    ev.SERVICE_CALL_OK,
    ev.SERVICE_CALL_FAILED,
    ev.TIMER_FIRED,
    ev.MESSAGE_RECEIVED,
    ev.SIGNAL_RECEIVED,
}
_INSTANCE_KINDS = {
    ev.INSTANCE_STARTED,
    ev.INSTANCE_COMPLETED,
    ev.INSTANCE_CANCELLED,
    ev.INSTANCE_SUSPENDED,
    ev.INSTANCE_RESUMED,
}
_TASK_KINDS = {
    ev.TASK_CREATED,
    ev.TASK_CLAIMED,
    ev.TASK_UNCLAIMED,
    ev.TASK_ASSIGNED,
    ev.TASK_COMPLETED,
    ev.TASK_CANCELLED,
}
_PAUSE_ENDERS = (ev.INSTANCE_RESUMED, ev.INSTANCE_COMPLETED, ev.INSTANCE_CANCELLED)
_COLUMNS = (
    ProcessEvent.id,
    ProcessEvent.instance_id,
    ProcessEvent.definition_id,
    ProcessEvent.business_key,
    ProcessEvent.kind,
    ProcessEvent.element_id,
    ProcessEvent.element_name,
    ProcessEvent.task_id,
    ProcessEvent.user_id,
    ProcessEvent.at,
    ProcessEvent.details,
)


def pending_events() -> int:
    """How many events the rollup has not read yet (0 when the facts are current)."""
    last = db.session.scalar(select(AnalyticsCursor.last_event_id).where(AnalyticsCursor.name == CURSOR_NAME))
    newest = db.session.scalar(select(ProcessEvent.id).order_by(ProcessEvent.id.desc()).limit(1))
    return max(0, (newest or 0) - (last or 0))


def refresh_facts(
    *,
    batch_size: int = DEFAULT_BATCH,
    max_events: int | None = None,
    calendar: WorkCalendar | None = None,
) -> int:
    """Roll up the events after the cursor (at most ``max_events``); commits per batch; returns events read."""
    calendar = calendar or get_default_calendar()
    done = 0
    while max_events is None or done < max_events:
        limit = batch_size if max_events is None else min(batch_size, max_events - done)
        last = _cursor_position()
        rows = db.session.execute(
            select(*_COLUMNS).where(ProcessEvent.id > last).order_by(ProcessEvent.id).limit(limit)
        ).all()
        if not rows:
            break
        _apply_batch(rows, calendar)
        moved = db.session.execute(
            update(AnalyticsCursor)
            .where(AnalyticsCursor.name == CURSOR_NAME, AnalyticsCursor.last_event_id == last)
            .values(last_event_id=rows[-1].id, updated_at=utcnow())
        )
        if not moved.rowcount:  # type: ignore[attr-defined]
            db.session.rollback()  # another refresh applied this batch first
            break
        db.session.commit()
        done += len(rows)
    return done


def rebuild_facts(*, calendar: WorkCalendar | None = None) -> int:
    """Drop every fact and roll the whole event log up again (after a work-calendar change); commits."""
    for model in (InstanceFact, StepFact, BranchFact, ElementDay):
        db.session.execute(delete(model))
    clear_summaries()
    db.session.execute(
        update(AnalyticsCursor).where(AnalyticsCursor.name == CURSOR_NAME).values(last_event_id=0)
    )
    db.session.commit()
    return refresh_facts(calendar=calendar)


def _cursor_position() -> int:
    last = db.session.scalar(select(AnalyticsCursor.last_event_id).where(AnalyticsCursor.name == CURSOR_NAME))
    if last is None:
        db.session.add(AnalyticsCursor(name=CURSOR_NAME, last_event_id=0, updated_at=utcnow()))
        db.session.flush()
        return 0
    return int(last)


class _Batch:
    """The facts one batch touches, loaded once, updated in memory, flushed together."""

    def __init__(self, rows: Sequence[Any], calendar: WorkCalendar) -> None:
        self.calendar = calendar
        # A task event may change its instance's people set: its instance is taken out and put back too.
        instance_ids = {
            r.instance_id
            for r in rows
            if r.kind in _INSTANCE_KINDS or r.kind == ev.VARIANT_CHOSEN or r.kind in _TASK_KINDS
        }
        task_ids = {r.task_id for r in rows if r.kind in _TASK_KINDS and r.task_id is not None}
        self.instances = _load(InstanceFact, InstanceFact.instance_id, instance_ids)
        self.steps = _load(StepFact, StepFact.task_id, task_ids)
        self.branch_pairs = _load_branch_pairs(instance_ids)
        # Take every fact this batch may change out of the per-day summaries; it goes back in after the batch.
        self.summary = SummaryDelta()
        for instance_id, fact in self.instances.items():
            self.summary.instance(fact, self.branch_pairs.get(instance_id, ()), -1)
        for fact in self.steps.values():
            self.summary.step(fact, -1)
        created = {r.task_id for r in rows if r.kind == ev.TASK_CREATED and r.task_id is not None}
        self.due = (
            dict(
                db.session.execute(select(HumanTask.id, HumanTask.due_at).where(HumanTask.id.in_(created)))
                .tuples()
                .all()
            )
            if created
            else {}
        )
        self.passes: Counter[tuple[int, str, date]] = Counter()

    def segment(self, start: datetime, end: datetime) -> tuple[float, float]:
        if end <= start:
            return 0.0, 0.0
        return (end - start).total_seconds(), self.calendar.working_between(start, end).total_seconds()


def _load(model: Any, key: Any, ids: set[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    id_list = sorted(ids)
    for i in range(0, len(id_list), 1000):
        for row in db.session.scalars(select(model).where(key.in_(id_list[i : i + 1000]))):
            found[getattr(row, key.key)] = row
    return found


def _load_branch_pairs(instance_ids: set[int]) -> dict[int, set[BranchPair]]:
    pairs: dict[int, set[BranchPair]] = {}
    id_list = sorted(instance_ids)
    for i in range(0, len(id_list), 1000):
        for instance_id, definition_id, gateway, flow in db.session.execute(
            select(BranchFact.instance_id, BranchFact.definition_id, BranchFact.gateway, BranchFact.flow)
            .where(BranchFact.instance_id.in_(id_list[i : i + 1000]))
            .distinct()
        ):
            pairs.setdefault(instance_id, set()).add((definition_id, gateway, flow))
    return pairs


def _apply_batch(rows: Sequence[Any], calendar: WorkCalendar) -> None:
    batch = _Batch(rows, calendar)
    for row in rows:
        if row.kind in _INSTANCE_KINDS:
            _apply_instance_event(batch, row)
        elif row.kind in _TASK_KINDS and row.task_id is not None:
            _apply_task_event(batch, row)
        elif row.kind == ev.VARIANT_CHOSEN:
            _apply_variant(batch, row)
        if row.kind in PASS_KINDS and row.element_id:
            batch.passes[(row.definition_id, row.element_id, row.at.date())] += 1
    db.session.flush()
    refresh_people(batch.instances.values())
    for instance_id, fact in batch.instances.items():
        batch.summary.instance(fact, batch.branch_pairs.get(instance_id, ()), +1)
    for fact in batch.steps.values():
        batch.summary.step(fact, +1)
    db.session.flush()
    batch.summary.apply()
    _add_passes(batch.passes)


def _apply_instance_event(batch: _Batch, row: Any) -> None:
    fact = batch.instances.get(row.instance_id)
    if fact is None:
        fact = InstanceFact(
            instance_id=row.instance_id,
            definition_id=row.definition_id,
            business_key=row.business_key,
            status="running",
            started_at=row.at,
            started_by=row.user_id if row.kind == ev.INSTANCE_STARTED else None,
            paused_s=0.0,
            pauses=[],
        )
        db.session.add(fact)
        batch.instances[row.instance_id] = fact
    pauses = [list(p) for p in fact.pauses or []]
    if row.kind == ev.INSTANCE_SUSPENDED and not (pauses and pauses[-1][1] is None):
        pauses.append([row.at.isoformat(), None])
    elif row.kind in _PAUSE_ENDERS and pauses and pauses[-1][1] is None:
        pauses[-1][1] = row.at.isoformat()
    fact.pauses = pauses
    if row.kind in (ev.INSTANCE_COMPLETED, ev.INSTANCE_CANCELLED):
        _finish_instance(
            batch, fact, row.at, "completed" if row.kind == ev.INSTANCE_COMPLETED else "cancelled"
        )


def _finish_instance(batch: _Batch, fact: InstanceFact, at: datetime, status: str) -> None:
    spans = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in fact.pauses if b is not None]
    merged = merge_pauses(spans, fact.started_at, at)
    paused = sum((b - a).total_seconds() for a, b in merged)
    fact.status, fact.ended_at, fact.paused_s = status, at, paused
    fact.duration_s = max(0.0, (at - fact.started_at).total_seconds() - paused)
    working = batch.calendar.working_between_excluding(fact.started_at, at, merged)
    fact.business_s = working.total_seconds()


def _apply_task_event(batch: _Batch, row: Any) -> None:
    fact = batch.steps.get(row.task_id)
    details = row.details or {}
    if row.kind == ev.TASK_CREATED:
        if fact is None:
            fact = StepFact(
                task_id=row.task_id,
                instance_id=row.instance_id,
                definition_id=row.definition_id,
                element_id=row.element_id or "",
                element_name=row.element_name or "",
                lane=details.get("lane"),
                assignee_id=details.get("assignee_id"),
                status=STEP_OPEN,
                created_at=row.at,
                due_at=batch.due.get(row.task_id),
                state_since=row.at,
                claimed=False,
                wait_s=0.0,
                work_s=0.0,
                wait_business_s=0.0,
                work_business_s=0.0,
            )
            db.session.add(fact)
            batch.steps[row.task_id] = fact
        return
    if fact is None or fact.status != STEP_OPEN:
        return  # an event of a task created before the log began, or after it ended
    _close_segment(batch, fact, row.at)
    if row.kind == ev.TASK_CLAIMED:
        fact.claimed, fact.assignee_id = True, row.user_id
    elif row.kind == ev.TASK_ASSIGNED:
        fact.claimed, fact.assignee_id = True, details.get("assignee_id", row.user_id)
    elif row.kind == ev.TASK_UNCLAIMED:
        fact.claimed, fact.assignee_id = False, None
    else:
        fact.status = STEP_COMPLETED if row.kind == ev.TASK_COMPLETED else STEP_CANCELLED
        fact.ended_at = row.at
        if row.kind == ev.TASK_COMPLETED and row.user_id is not None:
            fact.assignee_id = row.user_id
        fact.duration_s = fact.wait_s + fact.work_s
        fact.business_s = fact.wait_business_s + fact.work_business_s


def _close_segment(batch: _Batch, fact: StepFact, at: datetime) -> None:
    wall, business = batch.segment(fact.state_since, at)
    if fact.claimed:
        fact.work_s += wall
        fact.work_business_s += business
    else:
        fact.wait_s += wall
        fact.wait_business_s += business
    fact.state_since = max(fact.state_since, at)


def _apply_variant(batch: _Batch, row: Any) -> None:
    details = row.details or {}
    fact = BranchFact(
        event_id=row.id,
        instance_id=row.instance_id,
        definition_id=row.definition_id,
        gateway=details.get("gateway") or row.element_id or "",
        gateway_name=row.element_name or "",
        flow=details.get("flow"),
        variant=details.get("variant") or "",
        at=row.at,
    )
    db.session.add(fact)
    batch.branch_pairs.setdefault(row.instance_id, set()).add((fact.definition_id, fact.gateway, fact.flow))
    batch.summary.label(fact.definition_id, fact.gateway, fact.flow, fact.gateway_name, fact.variant)


def _add_passes(passes: Counter[tuple[int, str, date]]) -> None:
    if not passes:
        return
    days = [key[2] for key in passes]
    existing = {
        (r.definition_id, r.element_id, r.day): r
        for r in db.session.scalars(
            select(ElementDay).where(
                ElementDay.definition_id.in_({key[0] for key in passes}),
                ElementDay.day >= min(days),
                ElementDay.day <= max(days),
            )
        )
    }
    for (definition_id, element_id, day), count in passes.items():
        row = existing.get((definition_id, element_id, day))
        if row is None:
            db.session.add(
                ElementDay(definition_id=definition_id, element_id=element_id, day=day, passes=count)
            )
        else:
            row.passes += count
