"""Thin periodic jobs of monitoring: keep the appeal SLA facts current and evaluate alert thresholds."""

from __future__ import annotations

from celery import shared_task

from engine.jobs import every

REFRESH_TICKET_SLA = "crm.monitoring.refresh_ticket_sla"
EVALUATE_ALERTS = "crm.monitoring.evaluate_alerts"

every(60, REFRESH_TICKET_SLA)
every(300, EVALUATE_ALERTS)


@shared_task(name=REFRESH_TICKET_SLA, time_limit=600, soft_time_limit=570)
def refresh_ticket_sla_task() -> int:
    from crm.monitoring.sla_facts import refresh_ticket_sla

    return refresh_ticket_sla()


@shared_task(name=EVALUATE_ALERTS, time_limit=600, soft_time_limit=570)
def evaluate_alerts_task() -> int:
    from crm.monitoring.alerts import evaluate_alerts

    return evaluate_alerts()
