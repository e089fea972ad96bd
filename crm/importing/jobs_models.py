"""Progress of long administrator jobs (client/contact imports, recalculation of all statuses).

The web page polls a job's row while a worker (or the in-process pool) runs it; an import keeps its uploaded
file here until it has run, so any worker process can read it, and its per-row error report afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

JOB_IMPORT = "import"
JOB_RECALCULATE_STATUSES = "recalculate_statuses"

UPLOADED = "uploaded"  # an import waiting for its column mapping
QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
FINISHED_STATES = (DONE, FAILED)


class AdminJob(Base):
    __tablename__ = "admin_jobs"
    __table_args__ = (Index("ix_admin_jobs_kind_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Import: {"kind": "clients"|"contacts", "filename": ..., "mapping": {...}, "on_duplicate": "skip"}.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)  # the uploaded file; dropped after the run
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # counts when finished
    # Per-row report: [{"row": 3, "field": "inn", "message": "...", "kind": "error"|"duplicate"}, ...]
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")  # why a failed job failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES
