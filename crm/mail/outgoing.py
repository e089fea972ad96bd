"""One outgoing letter in the database: the letter row, its files, its Feed entry and its outbox row.

Everything that sends mail (a user's letter, a reply of the auto-responder, a sorting rule's forward, the
``mail/send`` operation of a route map, an alert e-mail) describes the letter as an :class:`OutgoingDraft` and
calls :func:`create_outgoing_letter`. Nothing is committed here: the letter is saved in the caller's
transaction together with the change that causes it, and the outbox sends it after that commit.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from crm.activities.sanitize import html_to_text
from crm.mail.linking import post_letter_to_feed
from crm.mail.models import (
    DIRECTION_OUT,
    STATUS_DRAFT,
    STATUS_QUEUED,
    MailAccount,
    MailAccountMember,
    MailAttachment,
    MailMessage,
)
from engine.db import db, utcnow

SNIPPET_MAX = 300
SUBJECT_MAX = 998
LINK_KEYS = ("client_id", "contact_id", "lead_id", "interest_id", "ticket_id")


@dataclass(frozen=True)
class OutgoingFile:
    """A file of an outgoing letter."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""
    is_inline: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class OutgoingDraft:
    """Everything an outgoing letter needs; addresses are ``{"name", "address"}`` dicts, ``html`` is safe."""

    account: MailAccount
    from_name: str
    to: list[dict[str, str]]
    subject: str
    html: str
    cc: list[dict[str, str]] = field(default_factory=list)
    bcc: list[dict[str, str]] = field(default_factory=list)
    text: str | None = None  # derived from ``html`` when None
    files: list[OutgoingFile] = field(default_factory=list)
    in_reply_to: str = ""
    references: str = ""
    thread_key: str = ""
    links: dict[str, int | None] = field(default_factory=dict)
    author_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # extra headers, e.g. Auto-Submitted
    font_family: str = ""
    font_size: str = ""
    feed: bool = True


def sender_name_for(user_id: int | None, account: MailAccount) -> str:
    """The From name of ``user_id`` writing from ``account``: their personal sender name for it (SPEC #33),
    else the account's name."""
    if user_id is not None:
        own = db.session.scalar(
            select(MailAccountMember.sender_name).where(
                MailAccountMember.account_id == account.id, MailAccountMember.user_id == user_id
            )
        )
        if own:
            return own
    return account.name


def text_to_html(text: str) -> str:
    """Plain text as a safe HTML paragraph block (line breaks kept)."""
    paragraphs = [p for p in (text or "").replace("\r\n", "\n").split("\n\n")]
    return "".join("<p>" + html_lib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs if p.strip())


def with_font(html: str, family: str, size: str) -> str:
    """The letter's HTML in a block with its default font (SPEC #36)."""
    if not family and not size:
        return html
    style = f"font-family: {html_lib.escape(family)}; font-size: {html_lib.escape(size)};"
    return f'<div style="{style}">{html}</div>'


def client_address(
    client_id: int | None, contact_id: int | None, lead_id: int | None
) -> list[dict[str, str]]:
    """The first e-mail of the contact person, else of the client, else of the potential client."""
    from crm.clients.models import Client, ContactPerson, Lead

    if contact_id:
        contact = db.session.get(ContactPerson, contact_id)
        if contact is not None and contact.emails:
            return [{"name": contact.full_name, "address": contact.emails[0].strip().lower()}]
    if client_id:
        client = db.session.get(Client, client_id)
        if client is not None and client.emails:
            return [{"name": client.name, "address": client.emails[0].strip().lower()}]
    if lead_id:
        lead = db.session.get(Lead, lead_id)
        if lead is not None and lead.email:
            return [{"name": lead.name, "address": lead.email.strip().lower()}]
    return []


def one_line(value: str, limit: int = SUBJECT_MAX) -> str:
    """A header-safe single line (no CR/LF), cut to ``limit`` characters."""
    return " ".join((value or "").split())[:limit]


def fill_letter(letter: MailMessage, draft: OutgoingDraft, *, status: str, now: datetime) -> None:
    """Write the draft's fields onto ``letter`` (new, or a saved draft being sent)."""
    text = draft.text if draft.text is not None else html_to_text(draft.html)
    letter.account_id = draft.account.id
    letter.direction = DIRECTION_OUT
    letter.status = status
    letter.in_reply_to = draft.in_reply_to
    letter.references = draft.references
    letter.thread_key = draft.thread_key
    letter.subject = one_line(draft.subject)
    letter.from_name = one_line(draft.from_name, 300)
    letter.from_address = draft.account.email_address.strip().lower()
    letter.to_addresses = list(draft.to)
    letter.cc_addresses = list(draft.cc)
    letter.bcc_addresses = list(draft.bcc)
    letter.sent_at = now if status != STATUS_DRAFT else None
    letter.occurred_at = now
    letter.text_body = text
    letter.html_body = draft.html
    letter.snippet = " ".join(text.split())[:SNIPPET_MAX]
    letter.has_attachments = any(not f.is_inline for f in draft.files)
    letter.is_read = True
    letter.font_family = draft.font_family
    letter.font_size = draft.font_size
    for key in LINK_KEYS:
        setattr(letter, key, draft.links.get(key))
    letter.responsible_id = draft.author_id
    letter.created_by_id = letter.created_by_id or draft.author_id


def store_files(letter: MailMessage, files: list[OutgoingFile]) -> None:
    """Add the files as the letter's attachments (the letter must have an id)."""
    for item in files:
        db.session.add(
            MailAttachment(
                message_id=letter.id,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                content_id=item.content_id,
                is_inline=item.is_inline,
                content=item.content,
            )
        )


def create_outgoing_letter(draft: OutgoingDraft, *, letter: MailMessage | None = None) -> MailMessage:
    """Save the letter (or turn the saved draft ``letter`` into it), its files and its Feed entry, and queue
    it in the outbox; flushes, never commits. The outbox job sends it once the caller commits."""
    from crm.mail.outbox import queue_letter

    now = utcnow()
    letter = letter if letter is not None else MailMessage()
    fill_letter(letter, draft, status=STATUS_QUEUED, now=now)
    db.session.add(letter)
    db.session.flush()
    store_files(letter, draft.files)
    if draft.feed:
        post_letter_to_feed(letter)
    queue_letter(letter, draft.files, headers=draft.headers)
    return letter
