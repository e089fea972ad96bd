"""Jobs of incoming mail: synchronise one account, the periodic sweep that queues the accounts whose poll
interval has passed, and the after-receive work of one letter (leads, route-map messages)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from sqlalchemy import select

from crm.mail.incoming import after_receive
from crm.mail.ingest import AFTER_RECEIVE, sync_account
from crm.mail.models import MailAccount
from engine.db import db, utcnow
from engine.jobs import enqueue, every

SYNC_ACCOUNT = "mail.sync_account"
SYNC_DUE_ACCOUNTS = "mail.sync_due_accounts"
SWEEP_SECONDS = 30

every(SWEEP_SECONDS, SYNC_DUE_ACCOUNTS)


def due_account_ids(now: datetime) -> list[int]:
    """Active accounts with an IMAP server whose last sync is older than their poll interval (or never ran)."""
    rows = db.session.execute(
        select(MailAccount.id, MailAccount.last_sync_at, MailAccount.poll_interval_seconds)
        .where(MailAccount.is_active.is_(True), MailAccount.imap_host != "")
        .order_by(MailAccount.id)
    ).all()
    return [
        ident
        for ident, last, interval in rows
        if last is None or last + timedelta(seconds=interval or 60) <= now
    ]


def queue_due_syncs(now: datetime | None = None) -> list[int]:
    """Queue a sync of every due account and commit; its ``last_sync_at`` moves to now so the next sweep
    does not queue it again while it runs (the sync sets it again when it ends)."""
    now = now or utcnow()
    ids = due_account_ids(now)
    for account_id in ids:
        account = db.session.get(MailAccount, account_id)
        if account is not None:
            account.last_sync_at = now
        enqueue(SYNC_ACCOUNT, account_id)
    db.session.commit()
    return ids


@shared_task(name=SYNC_ACCOUNT, time_limit=900, soft_time_limit=840)
def sync_account_job(account_id: int) -> dict[str, Any]:
    result = sync_account(account_id)
    return {
        "account_id": account_id,
        "stored": result.stored,
        "reattached": result.reattached,
        "skipped": result.skipped,
        "error": result.error,
        "folder_errors": result.folder_errors,
    }


@shared_task(name=SYNC_DUE_ACCOUNTS, time_limit=60, soft_time_limit=50)
def sync_due_accounts_job() -> list[int]:
    return queue_due_syncs()


@shared_task(name=AFTER_RECEIVE, time_limit=300, soft_time_limit=240)
def after_receive_job(letter_id: int) -> dict[str, Any]:
    return after_receive(letter_id)
