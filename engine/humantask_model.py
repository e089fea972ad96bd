"""Projection of READY user/manual tasks: what "My tasks" and every task query read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

OPEN = "open"
COMPLETED = "completed"
CANCELLED = "cancelled"


class HumanTask(Base):
    __tablename__ = "human_tasks"
    __table_args__ = (
        # Also the index of instance_id (its leading column): a task's instance, the FK check.
        UniqueConstraint("instance_id", "spiff_task_id", name="uq_human_tasks_instance_spiff_task"),
        # The worklists: open tasks by assignee or by lane. A process filter narrows these rows, so there is
        # no (definition_id, status) index: every index is written on each completion (docs/performance.md).
        Index("ix_human_tasks_status_assignee", "status", "assignee_id", "priority", "due_at"),
        Index("ix_human_tasks_status_lane", "status", "lane", "priority", "due_at"),
        Index("ix_human_tasks_business_key", "business_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer, ForeignKey("process_instances.id"))
    definition_id: Mapped[int] = mapped_column(Integer, ForeignKey("process_definitions.id"))
    business_key: Mapped[str | None] = mapped_column(String(100))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    element_name: Mapped[str] = mapped_column(String(255), default="")
    # Candidate key (the BPMN lane name, lower-cased); None = anyone may take it.
    lane: Mapped[str | None] = mapped_column(String(255))
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    # The definition whose BPMN declares the task: a called route map's own (pinned) definition for a task
    # inside a call activity, else ``definition_id``. None on rows written before it was recorded.
    spec_definition_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("process_definitions.id"))
    # Form name inside the forms of the task's own definition (``form_definition_id``): "qualify.json".
    form_name: Mapped[str | None] = mapped_column(String(255))
    instructions: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def form_definition_id(self) -> int:
        """The definition whose forms hold this task's form (the one that declares the task)."""
        return self.spec_definition_id if self.spec_definition_id is not None else self.definition_id

    @property
    def form_ref(self) -> str | None:
        """``"<definition id>/<form name>"``: where the form's JSON Schema lives."""
        return f"{self.form_definition_id}/{self.form_name}" if self.form_name else None
