"""Incidents: a service task whose operation failed. The instance waits at that task (in ERROR) until a retry
succeeds; automatic retries back off exponentially, then stop and wait for a person (``retry_incident``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import events as ev
from engine.db import db, utcnow
from engine.incident_model import OPEN, RESOLVED, Incident
from engine.instance_model import RUNNING, SUSPENDED, ProcessInstance
from engine.runtime_errors import IncidentNotFound, StepFailed
from engine.stepper import Step, element_of, run_step

FIRST_RETRY_DELAY = timedelta(seconds=30)
MAX_RETRY_DELAY = timedelta(hours=6)
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_BASE = 2


def next_retry_at(
    now: datetime, attempts: int, backoff_base: int | None, max_attempts: int | None
) -> datetime | None:
    """When to retry after ``attempts`` failures (None: automatic retries are used up)."""
    if attempts >= (max_attempts or DEFAULT_MAX_ATTEMPTS):
        return None
    base = backoff_base if backoff_base and backoff_base > 1 else DEFAULT_BACKOFF_BASE
    delay = min(FIRST_RETRY_DELAY * (base ** (attempts - 1)), MAX_RETRY_DELAY)
    return now + delay


def sync_incidents(step: Step) -> None:
    """Open/bump incidents for this step's failed service calls; resolve those whose task moved on."""
    if not step.service_failures and not step.had_errors:
        return
    instance = step.instance
    rows = {
        row.spiff_task_id: row
        for row in db.session.scalars(
            select(Incident).where(Incident.instance_id == instance.id, Incident.status == OPEN)
        )
    }
    failed_ids = set()
    for task, message in step.service_failures:
        sid = str(task.id)
        failed_ids.add(sid)
        element_id, name = element_of(task)
        spec = task.task_spec
        row = rows.get(sid)
        step.record(
            ev.SERVICE_CALL_FAILED,
            element_id=element_id,
            element_name=name,
            details={"operation": spec.operation_name, "error": message},
        )
        if row is None:
            row = Incident(
                instance_id=instance.id,
                spiff_task_id=sid,
                element_id=element_id,
                element_name=name[:255],
                error=message,
                attempts=1,
                max_attempts=spec.retries,
                opened_at=step.now,
            )
            db.session.add(row)
            db.session.flush()
            step.record(
                ev.INCIDENT_OPENED,
                element_id=element_id,
                element_name=name,
                details={"incident_id": row.id, "error": message},
            )
        else:
            row.attempts += 1
            row.error = message
        row.next_retry_at = next_retry_at(step.now, row.attempts, spec.retry_backoff_base, row.max_attempts)
    finished = instance.status not in (RUNNING, SUSPENDED)
    for sid, row in rows.items():
        if sid in failed_ids:
            continue
        task = _find_task(step, sid)
        if finished or task is None or not task.has_state(TaskState.ERROR):
            row.status = RESOLVED
            row.resolved_at = step.now
            row.next_retry_at = None
            step.record(
                ev.INCIDENT_RESOLVED,
                element_id=row.element_id,
                element_name=row.element_name,
                details={"incident_id": row.id, "attempts": row.attempts},
            )


def _find_task(step: Step, spiff_task_id: str) -> Any:
    from uuid import UUID

    try:
        return step.workflow.get_task_from_id(UUID(spiff_task_id))
    except Exception:  # removed from the tree (cancelled branch, compacted): nothing waits there any more
        return None


def retry_incident(incident_id: int, *, now: datetime | None = None, user_id: int | None = None) -> Incident:
    """Run the failed service task again now. Resolved on success; on failure attempts grow (commits)."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise IncidentNotFound(f"no incident with id {incident_id}")
    if incident.status != OPEN:
        return incident
    spiff_task_id = incident.spiff_task_id

    def reset_failed_task(step: Step) -> None:
        task = _find_task(step, spiff_task_id)
        if task is not None and task.has_state(TaskState.ERROR):
            task._set_state(TaskState.READY)

    run_step(incident.instance_id, reset_failed_task, now=now, user_id=user_id)
    db.session.refresh(incident)
    return incident


def retry_due_incidents(*, now: datetime | None = None, limit: int = 100) -> int:
    """Retry every open incident whose ``next_retry_at`` has come (the periodic job); returns how many ran."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Incident.id)
        .where(Incident.status == OPEN, Incident.next_retry_at <= now)
        .order_by(Incident.next_retry_at)
        .limit(limit)
    ).all()
    db.session.rollback()
    count = 0
    for incident_id in due:
        try:
            retry_incident(incident_id, now=now)
        except StepFailed as exc:
            # The call may have gone through but the step after it failed and rolled back: back off like a
            # failed call (else the operation runs again on every tick).
            db.session.rollback()
            _back_off_failed_retry(incident_id, exc, now)
            continue
        except Exception:  # one instance's trouble must not stop the others' retries
            db.session.rollback()
            continue
        count += 1
    return count


def _back_off_failed_retry(incident_id: int, exc: StepFailed, now: datetime) -> None:
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.status != OPEN:
        return
    incident.attempts += 1
    incident.error = str(exc)
    incident.next_retry_at = next_retry_at(now, incident.attempts, None, incident.max_attempts)
    instance = db.session.get(ProcessInstance, incident.instance_id)
    assert instance is not None  # FK
    ev.record_event(
        instance_id=instance.id,
        definition_id=instance.definition_id,
        business_key=instance.business_key,
        kind=ev.ERROR,
        element_id=exc.element_id,
        at=now,
        details={"error": str(exc), "incident_id": incident.id, "attempts": incident.attempts},
    )
    db.session.commit()


def open_incidents(instance_id: int | None = None) -> list[Incident]:
    """Open incidents (of one instance, or all), oldest first."""
    query = select(Incident).where(Incident.status == OPEN)
    if instance_id is not None:
        query = query.where(Incident.instance_id == instance_id)
    return list(db.session.scalars(query.order_by(Incident.opened_at)))
