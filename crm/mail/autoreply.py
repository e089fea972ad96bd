"""The auto-responder of an account (SPEC #40): between ``autoreply_from`` and ``autoreply_until``, while it is
switched on, each sender gets one automatic answer at most every ``autoreply_interval_days`` (3) days.

Never to robots (``Auto-Submitted``, ``Precedence: bulk/list/junk``, ``List-Id``, mailer-daemon and no-reply
senders, delivery reports), never to one of the CRM's own addresses, never to a letter in Junk or Trash, and
never to a letter that is days old (the first sync of a mailbox brings in its history). The reply carries
``Auto-Submitted: auto-replied`` (RFC 3834) so other responders stay quiet.

The memory is ``MailAutoreplyLog``, one row per account and sender (unique): the first answer inserts it with
``ON CONFLICT DO NOTHING``, a later one moves ``replied_at`` with a conditional UPDATE — two workers handling letters of the
same sender at once cannot both answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from connectors.mail.parsing import parse_message
from crm.activities.sanitize import sanitize_note_html
from crm.mail.addresses import is_email_address
from crm.mail.autotext import AutotextContext, render_autotext
from crm.mail.models import (
    DIRECTION_IN,
    ROLE_DRAFTS,
    ROLE_JUNK,
    ROLE_SENT,
    ROLE_TRASH,
    MailAccount,
    MailAutoreplyLog,
    MailFolder,
    MailMessage,
    MailRawMessage,
)
from crm.mail.outgoing import LINK_KEYS, OutgoingDraft, create_outgoing_letter, text_to_html
from crm.mail.quoting import reply_subject, thread_headers
from engine.db import db, utcnow

STALE_AFTER = timedelta(days=2)
AUTO_REPLY_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
_QUIET_FOLDERS = (ROLE_JUNK, ROLE_TRASH, ROLE_SENT, ROLE_DRAFTS)


def is_answering(account: MailAccount, now: datetime) -> bool:
    """The responder is switched on and ``now`` lies in its period (an open end never ends)."""
    if not account.is_active or not account.autoreply_enabled or not account.smtp_host.strip():
        return False
    if account.autoreply_from is not None and now < account.autoreply_from:
        return False
    return account.autoreply_until is None or now <= account.autoreply_until


def robot_signals(letter: MailMessage) -> list[str]:
    """Why the letter looks automatic (empty: written by a person)."""
    raw = db.session.get(MailRawMessage, letter.raw_id) if letter.raw_id else None
    if raw is None:
        return []
    return list(parse_message(bytes(raw.content)).robot_signals)


def _own_addresses() -> set[str]:
    return set(db.session.scalars(select(func.lower(MailAccount.email_address))))


def _take_turn(account_id: int, sender: str, now: datetime, interval: timedelta) -> bool:
    """Claim this sender's answer; False when they had one within ``interval`` or another worker claims it."""
    row = db.session.scalars(
        select(MailAutoreplyLog).where(
            MailAutoreplyLog.account_id == account_id, MailAutoreplyLog.sender_address == sender
        )
    ).first()
    if row is None:
        # INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL): a worker that inserted first wins, the
        # other inserts nothing. No savepoint: releasing one would hand the session's queued jobs out early.
        dialect = db.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        inserted = db.session.execute(
            insert(MailAutoreplyLog)
            .values(account_id=account_id, sender_address=sender, replied_at=now)
            .on_conflict_do_nothing(index_elements=["account_id", "sender_address"])
            .returning(MailAutoreplyLog.id)
        ).scalar_one_or_none()
        return inserted is not None
    if now - row.replied_at < interval:
        return False
    result = db.session.execute(
        update(MailAutoreplyLog)
        .where(MailAutoreplyLog.id == row.id, MailAutoreplyLog.replied_at == row.replied_at)
        .values(replied_at=now),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(row)
    return result.rowcount == 1  # type: ignore[attr-defined]


def _body_html(account: MailAccount, context: AutotextContext) -> str:
    body = account.autoreply_body or ""
    html = sanitize_note_html(body) if "<" in body else text_to_html(body)
    return render_autotext(html, context, as_html=True)


def maybe_autoreply(letter: MailMessage, now: datetime | None = None) -> MailMessage | None:
    """Queue the account's automatic answer to an incoming letter when it is due; adds to the session, does
    not commit (the caller's commit saves the letter, the answer and the memory together)."""
    now = now or utcnow()
    if letter.direction != DIRECTION_IN or letter.account_id is None:
        return None
    account = db.session.get(MailAccount, letter.account_id)
    if account is None or not is_answering(account, now):
        return None
    if letter.occurred_at is not None and letter.occurred_at < now - STALE_AFTER:
        return None
    folder = db.session.get(MailFolder, letter.folder_id) if letter.folder_id else None
    if folder is not None and folder.role in _QUIET_FOLDERS:
        return None
    sender = (letter.from_address or "").strip().lower()
    if not is_email_address(sender) or sender in _own_addresses() or robot_signals(letter):
        return None
    interval = timedelta(days=max(account.autoreply_interval_days or 0, 1))
    if not _take_turn(account.id, sender, now, interval):
        return None
    links = {key: getattr(letter, key) for key in LINK_KEYS}
    context = AutotextContext(
        reply_to=letter, interest_id=letter.interest_id, ticket_id=letter.ticket_id,
        client_id=letter.client_id, lead_id=letter.lead_id, now=now,
    )  # fmt: skip
    subject = render_autotext(account.autoreply_subject, context, as_html=False) or reply_subject(
        letter.subject
    )
    in_reply_to, references, thread_key = thread_headers(letter)
    draft = OutgoingDraft(
        account=account,
        from_name=account.name,
        to=[{"name": letter.from_name or "", "address": sender}],
        subject=subject,
        html=_body_html(account, context),
        in_reply_to=in_reply_to,
        references=references,
        thread_key=thread_key,
        links=links,
        headers=dict(AUTO_REPLY_HEADERS),
    )
    return create_outgoing_letter(draft)
