"""Thin Celery tasks of the CRM: ids in, one service call, explicit time limit."""

from __future__ import annotations

from typing import Any

from celery import shared_task

import crm.mail.outbox_tasks  # noqa: F401  (registers the outbox jobs)
import crm.mail.tasks as _incoming_mail_jobs  # noqa: F401  (registers the incoming-mail jobs)
from crm.notifications.task_scan import notify_task_events
from crm.statuses.schedule import run_recalculation_if_due
from crm.statuses.services import recalculate_all, recalculate_status
from engine.jobs import every

RECALCULATE_STATUSES_IF_DUE = "crm.statuses.recalculate_if_due"
RECALCULATE_ALL_STATUSES = "crm.statuses.recalculate_all"
RECALCULATE_CLIENT_STATUS = "crm.statuses.recalculate_client"

# The job ticks often; the administrator's schedule (crm.statuses.schedule) decides when a run is due.
every(300, RECALCULATE_STATUSES_IF_DUE)


@shared_task(name=RECALCULATE_STATUSES_IF_DUE, time_limit=3600, soft_time_limit=3500)
def recalculate_statuses_if_due() -> dict[str, Any] | None:
    result = run_recalculation_if_due()
    return None if result is None else {"processed": result.processed, "changed": result.changed}


@shared_task(name=RECALCULATE_ALL_STATUSES, time_limit=3600, soft_time_limit=3500)
def recalculate_all_statuses() -> dict[str, Any]:
    result = recalculate_all()
    return {"processed": result.processed, "changed": result.changed}


@shared_task(name=RECALCULATE_CLIENT_STATUS, time_limit=60)
def recalculate_client_status(client_id: int) -> str:
    return recalculate_status(None, client_id).status


RUN_IMPORT_JOB = "crm.importing.run_import_job"
RUN_STATUS_RECALCULATION_JOB = "crm.statuses.run_recalculation_job"


@shared_task(name=RUN_IMPORT_JOB, time_limit=3600, soft_time_limit=3500)
def run_import_job(job_id: int) -> dict[str, Any] | None:
    from crm.importing.admin_services import run_import_job as run

    job = run(job_id)
    return None if job is None else {"state": job.state, **job.result}


@shared_task(name=RUN_STATUS_RECALCULATION_JOB, time_limit=3600, soft_time_limit=3500)
def run_status_recalculation_job(job_id: int) -> dict[str, Any] | None:
    from crm.statuses.admin_services import run_status_recalculation_job as run

    job = run(job_id)
    return None if job is None else {"state": job.state, **job.result}


NOTIFY_TASK_EVENTS = "crm.notifications.notify_task_events"
every(60, NOTIFY_TASK_EVENTS)


@shared_task(name=NOTIFY_TASK_EVENTS, time_limit=300, soft_time_limit=240)
def notify_task_events_job() -> dict[str, int]:
    result = notify_task_events()
    return {"new": result.new, "overdue": result.overdue}
