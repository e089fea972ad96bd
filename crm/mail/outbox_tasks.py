"""Jobs of the outbox: send one queued letter (enqueued after the commit that queued it) and the periodic sweep
that sends what a lost job, a due retry or a killed worker left behind."""

from __future__ import annotations

from celery import shared_task

from crm.mail.outbox import SEND_DUE_LETTERS, SEND_OUTBOX_ITEM, send_due_letters, send_outbox_item
from engine.jobs import every

every(60, SEND_DUE_LETTERS)


@shared_task(name=SEND_OUTBOX_ITEM, time_limit=300, soft_time_limit=240)
def send_outbox_item_job(outbox_id: int) -> str:
    return send_outbox_item(outbox_id)


@shared_task(name=SEND_DUE_LETTERS, time_limit=900, soft_time_limit=840)
def send_due_letters_job() -> dict[str, int]:
    return send_due_letters()
