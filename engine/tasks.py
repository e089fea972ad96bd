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
