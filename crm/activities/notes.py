"""Notes on a client, contact, potential client, interest or appeal — sanitized HTML, shown in the Feed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from crm.access import (
    can_view_client,
    can_view_lead,
    can_view_record,
    ensure_can_edit_record,
    ensure_can_view_record,
    visible_records_clause,
)
from crm.accounts.models import ADMINISTRATOR, User
from crm.activities.models import Note
from crm.activities.sanitize import html_to_text, sanitize_note_html
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.feed.posting import post_feed_entry, remove_feed_entries, update_feed_entry
from crm.links import link_ids, resolve_links
from crm.messages import N_
from engine.db import db

NOTE_TITLE_WORDS = 12


def add_note(actor: User | None, data: Mapping[str, Any]) -> Note:
    """Add a note and commit. Keys: ``body_html`` (sanitized; must keep some text or an image), and at least
    one of ``client_id``, ``contact_id``, ``lead_id``, ``interest_id``, ``ticket_id``. ``actor`` None posts
    a system note (route maps, ``feed/post``)."""
    note = add_note_in_session(actor, data)
    db.session.commit()
    return note


def add_note_in_session(actor: User | None, data: Mapping[str, Any]) -> Note:
    """``add_note`` without the commit."""
    links = resolve_links(data, ("client", "contact", "lead", "interest", "ticket"))
    if not any(links.values()):
        raise ValidationFailed(
            {"client_id": N_("a note belongs to a client, contact, lead, interest or appeal")}
        )
    if actor is not None:
        ensure_can_view_target(actor, links)
    body = sanitize_note_html(str(data.get("body_html") or ""))
    text = html_to_text(body)
    if not text and "<img" not in body:
        raise ValidationFailed({"body_html": N_("the note is empty")})
    note = Note(
        body_html=body, author_id=actor.id if actor else None, is_system=actor is None, **link_ids(links)
    )
    db.session.add(note)
    db.session.flush()
    post_feed_entry(
        kind="note", ref_id=note.id, title=_title(text), summary=text, occurred_at=note.created_at,
        author_id=note.author_id, client_id=note.client_id, contact_id=note.contact_id, lead_id=note.lead_id,
        interest_id=note.interest_id, ticket_id=note.ticket_id, details={"system": note.is_system},
    )  # fmt: skip
    return note


def get_note(actor: User, note_id: int) -> Note:
    """A note, if ``actor`` may see what it is attached to (or wrote it)."""
    note = db.session.get(Note, note_id)
    if note is None:
        raise NotFound(f"note {note_id} not found")
    ensure_can_view_record(actor, note)
    return note


def list_notes(
    actor: User,
    *,
    client_id: int | None = None,
    contact_id: int | None = None,
    lead_id: int | None = None,
    interest_id: int | None = None,
    ticket_id: int | None = None,
    limit: int = 100,
) -> list[Note]:
    """Visible notes of one card, newest first."""
    stmt = select(Note).where(visible_records_clause(Note, actor))
    for column, value in ((Note.client_id, client_id), (Note.contact_id, contact_id), (Note.lead_id, lead_id),
                          (Note.interest_id, interest_id), (Note.ticket_id, ticket_id)):  # fmt: skip
        if value is not None:
            stmt = stmt.where(column == value)
    return list(db.session.scalars(stmt.order_by(Note.created_at.desc(), Note.id.desc()).limit(limit)))


def edit_note(actor: User, note_id: int, body_html: str) -> Note:
    """Replace a note's text (its author or an administrator) and commit."""
    note = get_note(actor, note_id)
    if note.author_id != actor.id and not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only the author may edit a note"))
    ensure_can_edit_record(actor, note)
    body = sanitize_note_html(body_html)
    text = html_to_text(body)
    if not text and "<img" not in body:
        raise ValidationFailed({"body_html": N_("the note is empty")})
    note.body_html = body
    update_feed_entry("note", note.id, title=_title(text), summary=text)
    db.session.commit()
    return note


def delete_note(actor: User, note_id: int) -> None:
    """Delete a note (its author or an administrator) and drop it from the Feed; commit."""
    note = get_note(actor, note_id)
    if note.author_id != actor.id and not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("only the author may delete a note"))
    remove_feed_entries("note", note.id)
    db.session.delete(note)
    db.session.commit()


def ensure_can_view_target(actor: User, links: Mapping[str, Any]) -> None:
    """Access to what a document is attached to: any of its interest, appeal, client or lead suffices
    (an interest's responsible manager may write on it even when the client is someone else's)."""
    checks = (
        ("interest", can_view_record), ("ticket", can_view_record), ("client", can_view_client),
        ("lead", can_view_lead), ("contact", can_view_record),
    )  # fmt: skip
    present = [(key, check) for key, check in checks if links.get(key) is not None]
    if not any(check(actor, links[key]) for key, check in present):
        raise AccessDenied(N_("you have no access to the card this belongs to"))


def _title(text: str) -> str:
    words = text.split()
    return " ".join(words[:NOTE_TITLE_WORDS]) + ("…" if len(words) > NOTE_TITLE_WORDS else "")
