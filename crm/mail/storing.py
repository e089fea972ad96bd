"""Turning one fetched message into a stored letter: raw bytes, parsed fields, attachments, thread key.

The raw bytes are always kept (``MailRawMessage``). Every text goes through :func:`clean_text` first:
PostgreSQL refuses NUL characters and every column has a length, and a letter must never fail to store
because of what a sender wrote.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select

from connectors.mail.interfaces import FetchedMessage
from connectors.mail.parsing import ParsedMessage, parse_message
from crm.mail.models import (
    DIRECTION_IN,
    DIRECTION_OUT,
    ROLE_DRAFTS,
    ROLE_SENT,
    ROLE_TRASH,
    STATUS_DRAFT,
    STATUS_RECEIVED,
    STATUS_SENT,
    MailAttachment,
    MailFolder,
    MailMessage,
    MailRawMessage,
)
from engine.db import db, utcnow

SNIPPET_MAX = 300
ID_MAX = 998


def clean_text(value: Any, limit: int | None = None) -> str:
    """A string fit for any column: no NUL characters, at most ``limit`` characters."""
    text = str(value or "").replace("\x00", "")
    return text[:limit] if limit is not None else text


def safe_parse(raw: bytes) -> ParsedMessage:
    """``parse_message`` with a last guard: a parser bug still gives a letter to store with its error."""
    try:
        return parse_message(raw)
    except Exception as exc:  # parse_message promises not to raise; the letter must be stored regardless
        parsed = ParsedMessage(size=len(raw))
        parsed.errors.append(f"the message could not be parsed ({type(exc).__name__}: {exc})")
        return parsed


def raw_row(raw: bytes) -> MailRawMessage:
    """The stored bytes: an identical copy already kept (the same letter in two folders) is reused."""
    digest = hashlib.sha256(raw).hexdigest()
    found = db.session.scalars(
        select(MailRawMessage)
        .where(MailRawMessage.sha256 == digest, MailRawMessage.size == len(raw))
        .limit(1)
    ).first()
    if found is not None:
        return found
    row = MailRawMessage(sha256=digest, size=len(raw), content=raw)
    db.session.add(row)
    db.session.flush()
    return row


def thread_key_for(parsed: ParsedMessage, sha256: str) -> str:
    """The thread a letter belongs to: the thread of a stored letter it answers or refers to, else the first
    id of its References, else In-Reply-To, else its own Message-ID (``sha256:<hex>`` without any id)."""
    ids = [i for i in [parsed.in_reply_to, *parsed.references] if i]
    if ids:
        known = db.session.scalar(
            select(MailMessage.thread_key)
            .where(
                MailMessage.message_id.in_([clean_text(i, ID_MAX) for i in ids[:50]]),
                MailMessage.thread_key != "",
            )
            .order_by(MailMessage.id)
            .limit(1)
        )
        if known:
            return known
        return clean_text(parsed.references[0] if parsed.references else parsed.in_reply_to, ID_MAX)
    if parsed.message_id:
        return clean_text(parsed.message_id, ID_MAX)
    return f"sha256:{sha256}"


def _people(addresses: list[Any]) -> list[dict[str, str]]:
    return [{"name": clean_text(a.name, 300), "address": clean_text(a.address, 254)} for a in addresses]


def _direction(folder: MailFolder) -> tuple[str, str]:
    if folder.role == ROLE_SENT:
        return DIRECTION_OUT, STATUS_SENT
    if folder.role == ROLE_DRAFTS:
        return DIRECTION_OUT, STATUS_DRAFT
    return DIRECTION_IN, STATUS_RECEIVED


def occurred_at_of(parsed: ParsedMessage, now: datetime) -> datetime:
    """When the letter happened for lists and the Feed: its Date header (never in the future), else now."""
    return min(parsed.date, now) if parsed.date is not None else now


def build_letter(
    account_id: int, folder: MailFolder, fetched: FetchedMessage, parsed: ParsedMessage, raw: MailRawMessage
) -> MailMessage:
    """A new letter row, flushed (it has its id); its attachments follow with :func:`add_attachments`."""
    direction, status = _direction(folder)
    now = utcnow()
    flags = {f.lower() for f in fetched.flags}
    letter = MailMessage(
        account_id=account_id,
        folder_id=folder.id,
        uid=fetched.uid,
        direction=direction,
        status=status,
        message_id=clean_text(parsed.message_id, ID_MAX),
        in_reply_to=clean_text(parsed.in_reply_to, ID_MAX),
        references=clean_text(" ".join(parsed.references)),
        thread_key=thread_key_for(parsed, raw.sha256),
        subject=clean_text(" ".join(parsed.subject.split()), ID_MAX),
        from_name=clean_text(parsed.from_name, 300),
        from_address=clean_text(parsed.from_address.lower(), 254),
        to_addresses=_people(parsed.to),
        cc_addresses=_people(parsed.cc),
        bcc_addresses=_people(parsed.bcc),
        reply_to=_people(parsed.reply_to),
        sent_at=parsed.date,
        occurred_at=occurred_at_of(parsed, now),
        text_body=clean_text(parsed.text),
        html_body=clean_text(parsed.html),
        snippet=clean_text(parsed.snippet(SNIPPET_MAX), SNIPPET_MAX),
        size=len(fetched.raw),
        has_attachments=parsed.has_attachments,
        parse_error=clean_text("; ".join(parsed.errors)),
        raw_id=raw.id,
        is_read="\\seen" in flags or direction == DIRECTION_OUT,
        is_flagged="\\flagged" in flags,
        marked_for_deletion="\\deleted" in flags or folder.role == ROLE_TRASH,
        created_at=now,
    )
    db.session.add(letter)
    db.session.flush()
    return letter


def add_attachments(letter: MailMessage, parsed: ParsedMessage) -> None:
    """The letter's files as rows of their own (downloads read these, not the raw message)."""
    for attachment in parsed.attachments:
        db.session.add(
            MailAttachment(
                message_id=letter.id,
                filename=clean_text(attachment.filename, 500),
                content_type=clean_text(attachment.content_type, 255) or "application/octet-stream",
                size=len(attachment.content),
                content_id=clean_text(attachment.content_id, 500),
                is_inline=attachment.is_inline,
                content=attachment.content,
            )
        )


def build_bare_letter(
    account_id: int, folder: MailFolder, fetched: FetchedMessage, problem: str
) -> MailMessage:
    """The letter when storing it fully failed: the raw bytes and the problem, shown like any letter."""
    direction, status = _direction(folder)
    raw = raw_row(fetched.raw)
    letter = MailMessage(
        account_id=account_id,
        folder_id=folder.id,
        uid=fetched.uid,
        direction=direction,
        status=status,
        thread_key=f"sha256:{raw.sha256}",
        size=len(fetched.raw),
        parse_error=clean_text(problem),
        raw_id=raw.id,
        snippet=clean_text(problem, SNIPPET_MAX),
        marked_for_deletion=folder.role == ROLE_TRASH,
    )
    db.session.add(letter)
    db.session.flush()
    return letter
