"""The transactional outbox: no letter is lost or (as far as the server lets us tell) sent twice.

Queueing (:func:`queue_letter`, in the caller's transaction): the letter's bytes are built once — Message-ID
and Date fixed — and stored as its ``MailRawMessage``; a ``MailOutbox`` row (``pending``) is added and a send
job is enqueued for after the commit. A rollback drops all three together.

Sending (:func:`send_outbox_item`, a job; :func:`send_due_letters`, the periodic sweep):

1. *Claim* the row with one conditional UPDATE (state and attempt counter as seen — a version check that
   works on SQLite and PostgreSQL): ``sending``, ``attempts + 1``, ``locked_until = now + LOCK``, and
   ``sent_at = now`` — while a row is ``sending``, ``sent_at`` records when this attempt began talking to
   the SMTP server. Commit. Only one worker wins a claim.
2. A row claimed from an *expired* ``sending`` (the worker died mid-send) is first looked for in the
   account's Sent folder by Message-ID; found there, it is marked sent and not sent again.
3. SMTP send, then APPEND the same bytes to the Sent folder (when the account has IMAP), then commit
   ``sent`` (also when the server refused some recipients but took the letter for the others — the refusal
   is noted in ``last_error``). Temporary failures (``MailError`` with ``permanent`` False, connection errors) go back to
   ``pending`` with exponential backoff; after ``MAX_ATTEMPTS`` or on a permanent refusal the row is
   ``failed`` with the reason in words. :func:`retry_letter` puts a failed letter back in the queue.

The window that remains: a worker killed after the SMTP server accepted the letter but before the APPEND to
Sent finished (a fraction of a second) on a server that does not file sent mail itself — the retry cannot see
the letter and sends it again. Without IMAP nothing can be checked and an interrupted letter is sent again
(a duplicate is preferred to a lost letter).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from connectors.mail.interfaces import MailError, MailRecipientsRefused
from crm.accounts.models import User
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.mail.models import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    ROLE_SENT,
    STATUS_FAILED,
    STATUS_QUEUED,
    STATUS_SENT,
    MailAccount,
    MailFolder,
    MailMessage,
    MailOutbox,
    MailRawMessage,
)
from crm.mail.rawbuild import build_raw
from crm.mail.transport import mailer_for, open_mailbox
from crm.messages import N_, Message
from engine.db import db, utcnow
from engine.jobs import enqueue

log = logging.getLogger(__name__)

SEND_OUTBOX_ITEM = "crm.mail.send_outbox_item"
SEND_DUE_LETTERS = "crm.mail.send_due_letters"
MAX_ATTEMPTS = 8
LOCK = timedelta(minutes=10)  # far longer than one SMTP + IMAP exchange (30 s timeouts each)
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=2)
SWEEP_LIMIT = 20

# What send_outbox_item reports.
SENT = "sent"
ALREADY_SENT = "already_sent"  # found in the Sent folder after an interrupted attempt
RETRY = "retry"
FAILED = "failed"
SKIPPED = "skipped"  # not due, not ours (another worker holds it) or gone


def backoff(attempts: int) -> timedelta:
    """The pause after the ``attempts``-th failed attempt: 1, 2, 4, 8 ... minutes, at most 2 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def queue_letter(
    letter: MailMessage, files: Sequence[Any] = (), *, headers: dict[str, str] | None = None
) -> MailOutbox:
    """Build the letter's bytes once, store them, add its outbox row and send it after the commit.

    ``letter`` must be flushed (it has an id) and carry its fields; ``files`` are its attachments
    (``OutgoingFile``). Flushes, never commits."""
    account = db.session.get(MailAccount, letter.account_id)
    if account is None:
        raise NotFound(f"mail account {letter.account_id} not found")
    message_id, raw = build_raw(letter, account, files, headers or {})
    letter.message_id = message_id
    if not letter.thread_key:
        letter.thread_key = message_id
    stored = MailRawMessage(sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), content=raw)
    db.session.add(stored)
    db.session.flush()
    letter.raw_id = stored.id
    letter.size = len(raw)
    letter.status = STATUS_QUEUED
    item = db.session.scalars(select(MailOutbox).where(MailOutbox.message_id == letter.id)).first()
    if item is None:
        item = MailOutbox(message_id=letter.id)
        db.session.add(item)
    item.state, item.attempts, item.next_attempt_at = OUTBOX_PENDING, 0, utcnow()
    item.locked_until, item.last_error, item.sent_at = None, "", None
    db.session.flush()
    enqueue(SEND_OUTBOX_ITEM, item.id)
    return item


def _claim(outbox_id: int, now: datetime) -> tuple[MailOutbox, bool] | None:
    """Take the row for this worker; returns it and whether an earlier attempt was interrupted."""
    item = db.session.get(MailOutbox, outbox_id, populate_existing=True)
    if item is None:
        return None
    due = item.state == OUTBOX_PENDING and item.next_attempt_at <= now
    interrupted = item.state == OUTBOX_SENDING and (item.locked_until is None or item.locked_until <= now)
    if not (due or interrupted):
        db.session.rollback()
        return None
    result = db.session.execute(
        update(MailOutbox)
        .where(MailOutbox.id == item.id, MailOutbox.state == item.state, MailOutbox.attempts == item.attempts)
        .values(state=OUTBOX_SENDING, attempts=item.attempts + 1, locked_until=now + LOCK, sent_at=now),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()  # another worker claimed it between our read and our update
        return None
    db.session.commit()
    item = db.session.get(MailOutbox, outbox_id, populate_existing=True)
    return (item, interrupted) if item is not None else None


def _known_sent_folder(account_id: int) -> str | None:
    """The Sent folder the CRM knows for the account (from the last folder refresh)."""
    folder = db.session.scalars(
        select(MailFolder)
        .where(MailFolder.account_id == account_id, MailFolder.role == ROLE_SENT)
        .order_by(MailFolder.id)
    ).first()
    return folder.name if folder is not None else None


def _sent_folder_name(known: str | None, mailbox: Any) -> str | None:
    if known is not None:
        return known
    for info in mailbox.list_folders():
        if info.role == ROLE_SENT:
            return str(info.name)
    return None


def _found_in_sent(account: MailAccount, known: str | None, message_id: str) -> tuple[str, list[int]] | None:
    """(folder, UIDs) of the letter in the Sent folder; None when there is no Sent folder to look in."""
    with open_mailbox(account) as mailbox:
        folder = _sent_folder_name(known, mailbox)
        if folder is None:
            return None
        return folder, list(mailbox.find_by_message_id(folder, message_id))


def _append_to_sent(
    account: MailAccount, known: str | None, raw: bytes
) -> tuple[str | None, int | None, str]:
    """Store the sent copy; (folder, UID or None, problem in words or '')."""
    try:
        with open_mailbox(account) as mailbox:
            folder = _sent_folder_name(known, mailbox)
            if folder is None:
                return None, None, "the account has no Sent folder; no copy was stored"
            return folder, mailbox.append(folder, raw, ["\\Seen"]), ""
    except (MailError, OSError, ValidationFailed) as exc:
        return None, None, f"sent, but the copy in Sent could not be stored: {exc}"


def _has_imap(account: MailAccount) -> bool:
    return bool(account.imap_host.strip())


def _recipients(letter: MailMessage) -> list[str]:
    seen: list[str] = []
    for item in [*letter.to_addresses, *letter.cc_addresses, *letter.bcc_addresses]:
        address = (item.get("address") or "").strip()
        if address and address.lower() not in (a.lower() for a in seen):
            seen.append(address)
    return seen


def send_outbox_item(outbox_id: int, *, now: datetime | None = None) -> str:
    """Send one queued letter if it is due (see the module docstring); commits; returns what happened."""
    now = now or utcnow()
    claimed = _claim(outbox_id, now)
    if claimed is None:
        return SKIPPED
    item, interrupted = claimed
    attempt = item.attempts
    letter = db.session.get(MailMessage, item.message_id)
    account = db.session.get(MailAccount, letter.account_id) if letter is not None else None
    raw_row = db.session.get(MailRawMessage, letter.raw_id) if letter is not None and letter.raw_id else None
    if letter is None or account is None or raw_row is None:
        return _finish_failure(item.id, attempt, "the letter or its stored message is missing", True, now)
    raw, message_id, letter_id = bytes(raw_row.content), letter.message_id, letter.id
    recipients = _recipients(letter)
    if not recipients:
        return _finish_failure(item.id, attempt, "the letter has no recipients", True, now)
    if not account.is_active or not account.smtp_host.strip():
        problem = (
            "the mail account is switched off" if not account.is_active else "the account has no SMTP server"
        )
        return _finish_failure(item.id, attempt, problem, True, now)
    imap = _has_imap(account)
    sent_folder = _known_sent_folder(account.id)
    try:
        mailer = mailer_for(account)
    except ValidationFailed as exc:  # a password stored under another key
        return _finish_failure(item.id, attempt, "; ".join(exc.field_errors.values()), True, now)
    # Keep the account readable without a transaction: none stays open while we talk to the servers.
    db.session.expunge(account)
    db.session.rollback()
    note = ""
    if interrupted:
        if imap:
            try:
                found = _found_in_sent(account, sent_folder, message_id)
            except (MailError, OSError, ValidationFailed) as exc:
                reason = f"an earlier attempt was interrupted and the Sent folder could not be checked: {exc}"
                return _finish_failure(outbox_id, attempt, reason, False, now)
            if found is not None and found[1]:
                _finish_sent(outbox_id, attempt, letter_id, found[0], found[1][0], "", now)
                return ALREADY_SENT
            note = "sent again after an interrupted attempt (not found in Sent)"
        else:
            note = "sent again after an interrupted attempt (no IMAP to check whether it had gone)"
    try:
        mailer.send(raw, account.email_address, recipients)
    except MailRecipientsRefused as exc:
        if not exc.accepted:
            return _finish_failure(outbox_id, attempt, str(exc), exc.permanent, now)
        # It went to the others: that is a sent letter (sending again would duplicate it for them).
        note = "; ".join(filter(None, (note, f"not delivered to everyone: {exc}")))
    except MailError as exc:
        return _finish_failure(outbox_id, attempt, str(exc), exc.permanent, now)
    except OSError as exc:
        return _finish_failure(outbox_id, attempt, f"could not reach the SMTP server: {exc}", False, now)
    except Exception as exc:  # a bug in a connector must not leave the letter locked for LOCK
        log.exception("sending outbox item %s failed", outbox_id)
        return _finish_failure(outbox_id, attempt, f"unexpected error: {exc}", False, now)
    folder, uid, problem = _append_to_sent(account, sent_folder, raw) if imap else (None, None, "")
    _finish_sent(
        outbox_id, attempt, letter_id, folder, uid, "; ".join(filter(None, (note, problem))), utcnow()
    )
    return SENT


def _finish_sent(
    outbox_id: int,
    attempt: int,
    letter_id: int,
    folder: str | None,
    uid: int | None,
    note: str,
    now: datetime,
) -> None:
    result = db.session.execute(
        update(MailOutbox)
        .where(MailOutbox.id == outbox_id, MailOutbox.state == OUTBOX_SENDING, MailOutbox.attempts == attempt)
        .values(state=OUTBOX_SENT, sent_at=now, locked_until=None, last_error=note),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        log.warning("outbox item %s was taken over while it was being sent", outbox_id)
    letter = db.session.get(MailMessage, letter_id)
    if letter is not None:
        letter.status = STATUS_SENT
        letter.occurred_at = now
        if folder is not None:
            _file_in_sent(letter, folder, uid)
    db.session.commit()


def _file_in_sent(letter: MailMessage, folder_name: str, uid: int | None) -> None:
    """Point the letter at its copy in the Sent folder, unless a sync already stored that copy itself."""
    folder = db.session.scalars(
        select(MailFolder).where(MailFolder.account_id == letter.account_id, MailFolder.name == folder_name)
    ).first()
    if folder is None:
        return
    if uid is not None:
        taken = db.session.scalar(
            select(MailMessage.id).where(MailMessage.folder_id == folder.id, MailMessage.uid == uid)
        )
        if taken is not None and taken != letter.id:
            return
    letter.folder_id, letter.uid = folder.id, uid


def _finish_failure(outbox_id: int, attempt: int, error: str, permanent: bool, now: datetime) -> str:
    give_up = permanent or attempt >= MAX_ATTEMPTS
    if permanent:
        message = f"The server refused the letter: {error}"
    elif give_up:
        message = f"Gave up after {attempt} attempts: {error}"
    else:
        retry_at = now + backoff(attempt)
        message = f"Attempt {attempt} of {MAX_ATTEMPTS} failed: {error}; next attempt at {retry_at:%Y-%m-%d %H:%M} UTC"
    values: dict[str, Any] = {"locked_until": None, "sent_at": None, "last_error": message}
    values.update({"state": OUTBOX_FAILED} if give_up else {"state": OUTBOX_PENDING,
                                                             "next_attempt_at": now + backoff(attempt)})  # fmt: skip
    db.session.execute(
        update(MailOutbox)
        .where(MailOutbox.id == outbox_id, MailOutbox.state == OUTBOX_SENDING, MailOutbox.attempts == attempt)
        .values(**values),
        execution_options={"synchronize_session": False},
    )
    if give_up:
        item = db.session.get(MailOutbox, outbox_id)
        letter = db.session.get(MailMessage, item.message_id) if item is not None else None
        if letter is not None:
            letter.status = STATUS_FAILED
    db.session.commit()
    return FAILED if give_up else RETRY


def due_outbox_ids(now: datetime, limit: int = SWEEP_LIMIT) -> list[int]:
    """Rows to send now: pending ones whose time came, and ``sending`` ones whose worker's lock expired."""
    stmt = (
        select(MailOutbox.id)
        .where(
            or_(
                (MailOutbox.state == OUTBOX_PENDING) & (MailOutbox.next_attempt_at <= now),
                (MailOutbox.state == OUTBOX_SENDING) & (MailOutbox.locked_until <= now),
            )
        )
        .order_by(MailOutbox.next_attempt_at, MailOutbox.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(stmt))
    db.session.rollback()
    return ids


def send_due_letters(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """The periodic sweep: send what is due (a job lost with a crashed worker, retries whose time came, rows
    left ``sending`` by a killed worker); commits per letter; returns counts by outcome."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    for outbox_id in due_outbox_ids(now, limit):
        outcome = send_outbox_item(outbox_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def retry_letter(actor: User, letter_id: int) -> MailOutbox:
    """Put a failed (or waiting) letter back in the queue to be sent now, attempts counted afresh; commits."""
    from crm.mail.accounts import can_use_account

    letter = db.session.get(MailMessage, letter_id)
    if letter is None:
        raise NotFound(f"letter {letter_id} not found")
    account = db.session.get(MailAccount, letter.account_id)
    if account is None or not can_use_account(actor, account):
        raise AccessDenied(N_("you do not use the account of this letter"))
    item = db.session.scalars(select(MailOutbox).where(MailOutbox.message_id == letter.id)).first()
    if item is None:
        raise ValidationFailed({"letter": N_("this letter was never queued for sending")})
    if item.state in (OUTBOX_SENT, OUTBOX_SENDING):
        raise ValidationFailed({"letter": Message(N_("the letter is %(state)s already"), state=item.state)})
    item.state, item.attempts, item.next_attempt_at = OUTBOX_PENDING, 0, utcnow()
    item.locked_until, item.sent_at = None, None
    letter.status = STATUS_QUEUED
    enqueue(SEND_OUTBOX_ITEM, item.id)
    db.session.commit()
    return item


def outbox_item_of(letter_id: int) -> MailOutbox | None:
    """The outbox row of a letter (its state, attempts and last error for the UI)."""
    return db.session.scalars(select(MailOutbox).where(MailOutbox.message_id == letter_id)).first()


def forward_letter(letter: MailMessage, to_address: str, by_user: User | None = None) -> MailMessage:
    """Forward ``letter`` to ``to_address`` (a sorting rule's action, SPEC #38): the original goes as an .eml
    attachment; adds to the session, does not commit."""
    from crm.mail.forwarding import forward_letter as forward

    return forward(letter, to_address, by_user)
