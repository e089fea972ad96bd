"""Autotext: placeholders in signatures, templates and subjects that are filled in when a letter is written
(SPEC #39, #41).

``{{current_user}}`` and ``{{current_user_email}}`` — whoever writes the letter (one shared signature shows
each writer's own name); ``{{appeal_number}}`` — the interest or appeal the letter is written from;
``{{appeal_number_reply}}`` — the number of the letter being answered; ``{{client_name}}`` and ``{{date}}``.

An appeal number is written ``[#I-123]`` for an interest and ``[#T-45]`` for an appeal (ticket). The same
tag in an incoming subject links the letter back to its interest or appeal (:func:`find_appeal_number`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.db import db, utcnow

PLACEHOLDERS = (
    "current_user",
    "current_user_email",
    "appeal_number",
    "appeal_number_reply",
    "client_name",
    "date",
)
_PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_APPEAL_RE = re.compile(r"\[#([IT])-(\d{1,18})\]", re.IGNORECASE)
_KIND_LETTER = {"interest": "I", "ticket": "T"}
_LETTER_KIND = {"I": "interest", "T": "ticket"}


def appeal_tag(kind: str, ident: int) -> str:
    """``[#I-123]`` for interest 123, ``[#T-45]`` for ticket 45."""
    return f"[#{_KIND_LETTER[kind]}-{ident}]"


def find_appeal_number(subject: str) -> tuple[str, int] | None:
    """The first appeal tag in a subject as ``("interest"|"ticket", id)``, or None."""
    match = _APPEAL_RE.search(subject or "")
    if match is None:
        return None
    return _LETTER_KIND[match.group(1).upper()], int(match.group(2))


def appeal_number_of(*, interest_id: int | None = None, ticket_id: int | None = None) -> str:
    """The tag of the appeal a letter belongs to: its ticket (the more specific record), else its interest."""
    if ticket_id:
        return appeal_tag("ticket", ticket_id)
    if interest_id:
        return appeal_tag("interest", interest_id)
    return ""


def appeal_number_of_letter(letter: Any) -> str:
    """The number of a letter being answered: the tag in its subject, else the record it is linked to."""
    if letter is None:
        return ""
    found = find_appeal_number(letter.subject or "")
    if found is not None:
        return appeal_tag(*found)
    return appeal_number_of(interest_id=letter.interest_id, ticket_id=letter.ticket_id)


def with_appeal_number(subject: str, tag: str) -> str:
    """The subject with ``tag`` appended once (a subject that carries an appeal tag already is left alone)."""
    if not tag or find_appeal_number(subject) is not None:
        return subject
    return f"{subject} {tag}".strip()


@dataclass
class AutotextContext:
    """What the placeholders are filled from. Every field is optional; a missing one renders empty."""

    user: Any = None  # crm.accounts.models.User who writes the letter
    interest_id: int | None = None
    ticket_id: int | None = None
    reply_to: Any = None  # the MailMessage being answered
    client_id: int | None = None
    lead_id: int | None = None
    now: datetime | None = None

    def values(self) -> dict[str, str]:
        """Every placeholder's text (plain, not escaped)."""
        user = self.user
        return {
            "current_user": (user.full_name or user.username) if user is not None else "",
            "current_user_email": (user.email or "") if user is not None else "",
            "appeal_number": appeal_number_of(interest_id=self.interest_id, ticket_id=self.ticket_id),
            "appeal_number_reply": appeal_number_of_letter(self.reply_to),
            "client_name": self._client_name(),
            "date": self._date(),
        }

    def _client_name(self) -> str:
        from crm.clients.models import Client, Lead

        if self.client_id:
            client = db.session.get(Client, self.client_id)
            if client is not None:
                return client.name
        if self.lead_id:
            lead = db.session.get(Lead, self.lead_id)
            if lead is not None:
                return lead.name
        return ""

    def _date(self) -> str:
        now = self.now or utcnow()
        zone_name = getattr(self.user, "timezone", "") or "Europe/Moscow"
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("Europe/Moscow")
        locale = getattr(self.user, "locale", "") or "en"
        return now.astimezone(zone).strftime("%d.%m.%Y" if locale.startswith("ru") else "%Y-%m-%d")


def unknown_placeholders(template: str) -> list[str]:
    """Placeholder names in ``template`` that autotext does not know (a typo the author should see)."""
    return sorted({m.group(1) for m in _PLACEHOLDER_RE.finditer(template or "")} - set(PLACEHOLDERS))


def render_autotext(template: str, context: AutotextContext, *, as_html: bool) -> str:
    """Fill the placeholders of ``template``; values are HTML-escaped when ``as_html``. An unknown
    placeholder stays as written, so a typo is visible instead of silently vanishing."""
    if not template or "{{" not in template:
        return template or ""
    values = context.values()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return html.escape(values[name]) if as_html else values[name]

    return _PLACEHOLDER_RE.sub(fill, template)
