"""The append-only process event log: what the Feed and every analytics page read.

One row per thing that happened in a process instance. ``business_key`` is copied from the instance so the
Feed of a deal/ticket/client finds its entries through one index without touching workflow state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Table, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, db, utcnow

# Event kinds (stable strings: stored, filtered on, translated in the UI).
INSTANCE_STARTED = "instance_started"
INSTANCE_COMPLETED = "instance_completed"
INSTANCE_CANCELLED = "instance_cancelled"
INSTANCE_SUSPENDED = "instance_suspended"
INSTANCE_RESUMED = "instance_resumed"
INSTANCE_MIGRATED = "instance_migrated"
TASK_CREATED = "task_created"
TASK_CLAIMED = "task_claimed"
TASK_UNCLAIMED = "task_unclaimed"
TASK_ASSIGNED = "task_assigned"
TASK_COMPLETED = "task_completed"
TASK_CANCELLED = "task_cancelled"
VARIANT_CHOSEN = "variant_chosen"
TIMER_FIRED = "timer_fired"
MESSAGE_RECEIVED = "message_received"
SIGNAL_RECEIVED = "signal_received"
SERVICE_CALL_OK = "service_call_ok"
SERVICE_CALL_FAILED = "service_call_failed"
INCIDENT_OPENED = "incident_opened"
INCIDENT_RESOLVED = "incident_resolved"
ERROR = "error"

EVENT_KINDS = (
    INSTANCE_STARTED,
    INSTANCE_COMPLETED,
    INSTANCE_CANCELLED,
    INSTANCE_SUSPENDED,
    INSTANCE_RESUMED,
    INSTANCE_MIGRATED,
    TASK_CREATED,
    TASK_CLAIMED,
    TASK_UNCLAIMED,
    TASK_ASSIGNED,
    TASK_COMPLETED,
    TASK_CANCELLED,
    VARIANT_CHOSEN,
    TIMER_FIRED,
    MESSAGE_RECEIVED,
    SIGNAL_RECEIVED,
    SERVICE_CALL_OK,
    SERVICE_CALL_FAILED,
    INCIDENT_OPENED,
    INCIDENT_RESOLVED,
    ERROR,
)


class ProcessEvent(Base):
    __tablename__ = "process_events"
    __table_args__ = (
        # What reads events: the Feed (by business key) and an instance's history. The analytics roll
        # events up in id order. Each index here is written by every step (docs/performance.md).
        Index("ix_process_events_business_key_id", "business_key", "id"),
        Index("ix_process_events_instance_id_id", "instance_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[int] = mapped_column(Integer)  # no FK: the log outlives purged instances
    definition_id: Mapped[int] = mapped_column(Integer, ForeignKey("process_definitions.id"))
    business_key: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    element_id: Mapped[str | None] = mapped_column(String(255))
    element_name: Mapped[str | None] = mapped_column(String(255))
    # For task events: the human-task row; for variant_chosen: the task that led into the gateway.
    task_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # kind-specific details, e.g. {"gateway": "Gateway_1", "flow": "Flow_3", "variant": "Approved"}
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record_event(
    *,
    instance_id: int,
    definition_id: int,
    kind: str,
    business_key: str | None = None,
    element_id: str | None = None,
    element_name: str | None = None,
    task_id: int | None = None,
    user_id: int | None = None,
    at: datetime | None = None,
    details: dict[str, Any] | None = None,
) -> ProcessEvent:
    """Append one event to the current session (committed with the step that caused it)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown process event kind {kind!r}")
    event = ProcessEvent(
        instance_id=instance_id,
        definition_id=definition_id,
        kind=kind,
        business_key=business_key,
        element_id=element_id,
        element_name=element_name,
        task_id=task_id,
        user_id=user_id,
        at=at or utcnow(),
        details=details or {},
    )
    db.session.add(event)
    return event


_INSERT_EVENTS = insert(cast(Table, ProcessEvent.__table__))


def record_events(
    events: Iterable[dict[str, Any]],
    *,
    instance_id: int,
    definition_id: int,
    business_key: str | None,
    at: datetime,
) -> int:
    """Append several events of one instance with one multi-row INSERT (in the current transaction).

    Each event is a dict with ``kind`` and optionally ``element_id``, ``element_name``, ``task_id``,
    ``user_id`` and ``details``; returns how many were written.
    """
    rows = event_rows(
        events, instance_id=instance_id, definition_id=definition_id, business_key=business_key, at=at
    )
    if rows:
        db.session.connection().execute(_INSERT_EVENTS, rows)
    return len(rows)


def event_rows(
    events: Iterable[dict[str, Any]],
    *,
    instance_id: int,
    definition_id: int,
    business_key: str | None,
    at: datetime,
) -> list[dict[str, Any]]:
    """The ``process_events`` rows ``record_events`` writes (kinds checked), for a caller that inserts them."""
    rows = []
    for event in events:
        kind = event["kind"]
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown process event kind {kind!r}")
        rows.append(
            {
                "instance_id": instance_id,
                "definition_id": definition_id,
                "business_key": business_key,
                "kind": kind,
                "element_id": event.get("element_id"),
                "element_name": event.get("element_name"),
                "task_id": event.get("task_id"),
                "user_id": event.get("user_id"),
                "at": event.get("at") or at,
                "details": event.get("details") or {},
            }
        )
    return rows


def events_for_business_keys(
    keys: Iterable[str],
    *,
    kinds: Sequence[str] | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[ProcessEvent]:
    """Events of the instances with these business keys, newest first; keyset-paged by ``before_id``."""
    keys = list(keys)
    if not keys:
        return []
    q = select(ProcessEvent).where(ProcessEvent.business_key.in_(keys))
    if kinds:
        q = q.where(ProcessEvent.kind.in_(list(kinds)))
    if before_id is not None:
        q = q.where(ProcessEvent.id < before_id)
    return list(db.session.scalars(q.order_by(ProcessEvent.id.desc()).limit(limit)))


def events_for_instance(instance_id: int) -> list[ProcessEvent]:
    """Every event of one instance, oldest first (history lists, diagram highlighting)."""
    q = select(ProcessEvent).where(ProcessEvent.instance_id == instance_id).order_by(ProcessEvent.id)
    return list(db.session.scalars(q))
