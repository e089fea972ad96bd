"""Thin Celery tasks of the engine: ids in, one service call, explicit time limit."""

from __future__ import annotations

from celery import shared_task

from engine import heartbeat
from engine.jobs import every

HEARTBEAT = "system.heartbeat"

every(60, HEARTBEAT)


@shared_task(name=HEARTBEAT, time_limit=30)
def heartbeat_task(worker: str | None = None) -> str:
    return heartbeat.record_heartbeat(worker).worker


FIRE_DUE_TIMERS = "engine.fire_due_timers"
RETRY_DUE_INCIDENTS = "engine.retry_due_incidents"

every(15, FIRE_DUE_TIMERS)
every(60, RETRY_DUE_INCIDENTS)


@shared_task(name=FIRE_DUE_TIMERS, time_limit=120)
def fire_due_timers_task() -> int:
    from engine.timers import fire_due_timers

    return fire_due_timers()


@shared_task(name=RETRY_DUE_INCIDENTS, time_limit=300)
def retry_due_incidents_task() -> int:
    from engine.incidents import retry_due_incidents

    return retry_due_incidents()
