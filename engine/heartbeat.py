"""Liveness of background jobs: each worker/scheduler run of ``system.heartbeat`` stamps a row.

The administration page shows when jobs last ran, so a stopped worker is noticed.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, db, utcnow


class JobHeartbeat(Base):
    __tablename__ = "job_heartbeats"

    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    runs: Mapped[int] = mapped_column(default=0)


def record_heartbeat(worker: str | None = None) -> JobHeartbeat:
    """Stamp now for ``worker`` (default: host:pid) and commit."""
    name = worker or f"{socket.gethostname()}:{os.getpid()}"
    row = db.session.get(JobHeartbeat, name)
    if row is None:
        row = JobHeartbeat(worker=name, beat_at=utcnow(), runs=0)
        db.session.add(row)
    row.beat_at = utcnow()
    row.runs += 1
    db.session.commit()
    return row


def recent_heartbeats() -> list[JobHeartbeat]:
    """All workers that have run a heartbeat, newest first."""
    return list(db.session.scalars(select(JobHeartbeat).order_by(JobHeartbeat.beat_at.desc())))
