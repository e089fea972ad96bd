"""A deployed route map: one immutable row per (key, version)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class ProcessDefinition(Base):
    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_process_definitions_key_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The executable BPMN process id (the route map's key); versions count up per key from 1.
    key: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255), default="")
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # Decision tables: file name -> DMN XML; forms: form name (e.g. "qualify.json") -> JSON Schema.
    dmn: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    deployed_by: Mapped[int | None] = mapped_column(Integer)  # users.id; the engine does not know users
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(String(1000), default="")
    # Call activities to other route maps, pinned when this version was deployed: called key -> definition id.
    # A running instance therefore never sees its called processes change under it.
    called_definitions: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
