"""Writing the Feed: CRM services post, update and remove the Feed row of each document they save.

These functions add to the caller's session and do not commit: the row is written in the same transaction
as the document it mirrors, so the Feed never shows a document that was rolled back (or misses one that was
saved). The owning service commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update

from crm.feed.models import DOCUMENT_KINDS, FeedEntry
from engine.db import db, utcnow

TITLE_MAX = 500
SUMMARY_MAX = 2000


def post_feed_entry(
    *,
    kind: str,
    ref_id: int,
    title: str,
    summary: str = "",
    occurred_at: datetime | None = None,
    author_id: int | None = None,
    client_id: int | None = None,
    contact_id: int | None = None,
    lead_id: int | None = None,
    interest_id: int | None = None,
    ticket_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> FeedEntry:
    """Add the Feed row of one document (kind + id) to the current session; the caller commits.

    ``summary`` is plain text (strip HTML before passing it) and is cut to a Feed-sized excerpt.
    """
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown Feed document kind {kind!r}")
    if not any(owner is not None for owner in (client_id, contact_id, lead_id, interest_id, ticket_id)):
        raise ValueError("a Feed entry needs an owner: client, contact, lead, interest or ticket")
    entry = FeedEntry(
        kind=kind,
        ref_id=ref_id,
        title=title[:TITLE_MAX],
        summary=_excerpt(summary),
        occurred_at=occurred_at or utcnow(),
        author_id=author_id,
        client_id=client_id,
        contact_id=contact_id,
        lead_id=lead_id,
        interest_id=interest_id,
        ticket_id=ticket_id,
        details=details or {},
    )
    db.session.add(entry)
    return entry


def update_feed_entry(
    kind: str,
    ref_id: int,
    *,
    title: str | None = None,
    summary: str | None = None,
    occurred_at: datetime | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Refresh the text/instant of a document's Feed row after the document changed; returns rows touched."""
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = title[:TITLE_MAX]
    if summary is not None:
        values["summary"] = _excerpt(summary)
    if occurred_at is not None:
        values["occurred_at"] = occurred_at
    if details is not None:
        values["details"] = details
    if not values:
        return 0
    stmt = update(FeedEntry).where(FeedEntry.kind == kind, FeedEntry.ref_id == ref_id).values(**values)
    return int(db.session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0)


def remove_feed_entries(kind: str, ref_id: int) -> int:
    """Drop a deleted document from every Feed; returns rows removed."""
    stmt = delete(FeedEntry).where(FeedEntry.kind == kind, FeedEntry.ref_id == ref_id)
    return int(db.session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0)


def reassign_feed_entries(
    *,
    from_lead_id: int | None = None,
    from_client_id: int | None = None,
    to_client_id: int,
    contact_id: int | None = None,
) -> int:
    """Move a Feed history to another client: lead conversion (SPEC #19) or merging duplicate clients.

    With ``from_lead_id`` the lead's rows gain ``to_client_id`` (and ``contact_id`` when the lead became a
    contact person); with ``from_client_id`` the rows move from the merged card. Returns rows moved.
    """
    if (from_lead_id is None) == (from_client_id is None):
        raise ValueError("give exactly one of from_lead_id / from_client_id")
    values: dict[str, Any] = {"client_id": to_client_id}
    if from_lead_id is not None:
        where = FeedEntry.lead_id == from_lead_id
        if contact_id is not None:
            values["contact_id"] = contact_id
    else:
        where = FeedEntry.client_id == from_client_id
    stmt = update(FeedEntry).where(where).values(**values)
    return int(db.session.execute(stmt, execution_options={"synchronize_session": False}).rowcount or 0)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"
