"""The Feed's own table: one denormalised row per CRM document shown in a Feed.

A note, an interaction, an interest, a ticket or a commercial proposal posts one row here when it is created
(``crm.feed.services.post_feed_entry``), carrying every owner it belongs to (client, contact, lead, interest,
ticket) and the text the Feed shows. Reading a Feed is then one index range scan per owner, newest first,
whatever the size of the base; process events are merged in from the engine's log by business key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

# Document kinds (stable strings: stored, filtered on, translated in the UI).
NOTE = "note"
CALL = "call"
MEETING = "meeting"
LETTER = "letter"  # a letter recorded as an interaction (sent outside the CRM)
MAIL = "mail"  # a letter of the CRM's mail (``ref_id`` is the ``mail_messages`` id)
MESSAGE = "message"
INTEREST = "interest"
TICKET = "ticket"
PROPOSAL = "proposal"
LEAD = "lead"
TASK = "task"
DOCUMENT_KINDS = (NOTE, CALL, MEETING, LETTER, MAIL, MESSAGE, INTEREST, TICKET, PROPOSAL, LEAD, TASK)
INTERACTION_KINDS = (CALL, MEETING, LETTER, MESSAGE)


class FeedEntry(Base):
    """One document in the Feeds of its owners; ``(kind, ref_id)`` points at the document itself."""

    __tablename__ = "feed_entries"
    __table_args__ = (
        # One range scan per Feed page: owner, then newest first, id breaks ties (the keyset cursor).
        Index("ix_feed_entries_client_at_id", "client_id", "occurred_at", "id"),
        Index("ix_feed_entries_contact_at_id", "contact_id", "occurred_at", "id"),
        Index("ix_feed_entries_interest_at_id", "interest_id", "occurred_at", "id"),
        Index("ix_feed_entries_ticket_at_id", "ticket_id", "occurred_at", "id"),
        Index("ix_feed_entries_lead_at_id", "lead_id", "occurred_at", "id"),
        # "Only letters" on a big client: the kind filter keeps the scan ordered.
        Index("ix_feed_entries_client_kind_at_id", "client_id", "kind", "occurred_at", "id"),
        Index("ix_feed_entries_kind_ref", "kind", "ref_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Owners are plain integers, not foreign keys: the Feed is a read model that must not block merging or
    # purging a card, and bulk loads stay cheap. Services keep them right (see ``reassign_feed_entries``).
    client_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    lead_id: Mapped[int | None] = mapped_column(Integer)
    interest_id: Mapped[int | None] = mapped_column(Integer)
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(Integer)
    # Small kind-specific extras the Feed renders (direction of a call, stage of an interest, amount ...).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
