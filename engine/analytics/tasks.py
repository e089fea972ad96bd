"""The periodic rollup job (thin: one service call)."""

from __future__ import annotations

from celery import shared_task

from engine.jobs import every

REFRESH_ANALYTICS = "engine.analytics.refresh"

every(60, REFRESH_ANALYTICS)


@shared_task(name=REFRESH_ANALYTICS, time_limit=600, soft_time_limit=570)
def refresh_analytics_task() -> int:
    from engine.analytics.rollup import refresh_facts

    return refresh_facts()
