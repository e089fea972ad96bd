"""A known process history on a fixed clock, written straight into the event log (the analytics' input).

Default work calendar: Europe/Moscow (UTC+3), 9:00–18:00 Monday–Friday, Russian holidays — in June 2025 the
12th (Thu) and 13th (Fri) are holidays, so Wed 11 June 17:00 → Mon 16 June 10:00 holds 2 working hours.

Instance 1 (interest:1, started by user 10): Wed 11 June 09:00 Task_A created, claimed by 20 at 11:00
  (2 h waiting), completed 12:00 (1 h working; due 11:00, so late); GW → Flow_yes; Task_B created 12:00, claimed
  by 21 at 17:00 (5 h waiting), completed Mon 16 June 10:00 (2 working hours across the holidays and the
  weekend, 113 wall-clock hours); instance completed then: 10 business hours, 121 wall-clock hours.
Instance 2 (interest:2): Tue 10 June 09:00 Task_A, completed by 20 at 10:00 unclaimed (1 h waiting);
  GW → Flow_no; suspended 11:00–15:00 (a 4 h pause); cancelled 17:00 → 4 business hours.
Instance 3 (interest:3): Mon 16 June 09:00 Task_A (due 10:00), claimed by 20 at 09:30, unclaimed 10:00;
  still open (late) at NOW = Mon 16 June 12:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine import events as ev
from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.humantask_model import HumanTask
from engine.instance_model import ProcessInstance

FIXTURE_BPMN = Path(__file__).resolve().parent / "fixtures" / "analytics" / "sale_fixture.bpmn"


def msk(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    """An instant given in Moscow time (UTC+3, no DST) of 2025."""
    return datetime(2025, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


NOW = msk(16, 12)


def add_definition(
    key: str = "analytics_sale",
    version: int = 1,
    bpmn_xml: str | None = None,
    name: str = "Sale (analytics fixture)",
) -> ProcessDefinition:
    definition = ProcessDefinition(
        key=key,
        version=version,
        name=name,
        bpmn_xml=bpmn_xml or FIXTURE_BPMN.read_text(encoding="utf-8"),
        sha256=f"{key}-{version}".ljust(64, "0")[:64],
    )
    db.session.add(definition)
    db.session.flush()
    return definition


class History:
    """Writes instances, human tasks and events for one definition."""

    def __init__(self, definition: ProcessDefinition) -> None:
        self.definition = definition

    def instance(
        self, business_key: str, started_at: datetime, started_by: int | None = None
    ) -> ProcessInstance:
        instance = ProcessInstance(
            definition_id=self.definition.id,
            process_key=self.definition.key,
            business_key=business_key,
            state="",
            started_by=started_by,
            started_at=started_at,
            updated_at=started_at,
        )
        db.session.add(instance)
        db.session.flush()
        self.event(instance, ev.INSTANCE_STARTED, started_at, user_id=started_by)
        return instance

    def event(self, instance: ProcessInstance, kind: str, at: datetime, **fields: Any) -> None:
        ev.record_event(
            instance_id=instance.id,
            definition_id=instance.definition_id,
            business_key=instance.business_key,
            kind=kind,
            at=at,
            **fields,
        )

    def task(
        self,
        instance: ProcessInstance,
        element_id: str,
        name: str,
        at: datetime,
        *,
        due_at: datetime | None = None,
        lane: str | None = "sales",
    ) -> HumanTask:
        row = HumanTask(
            instance_id=instance.id,
            definition_id=instance.definition_id,
            business_key=instance.business_key,
            spiff_task_id=f"{instance.id}-{element_id}-{at.timestamp()}",
            element_id=element_id,
            element_name=name,
            lane=lane,
            created_at=at,
            due_at=due_at,
        )
        db.session.add(row)
        db.session.flush()
        self.event(instance, ev.TASK_CREATED, at, element_id=element_id, element_name=name, task_id=row.id,
                   details={"lane": lane, "assignee_id": None})  # fmt: skip
        return row

    def task_event(
        self, row: HumanTask, kind: str, at: datetime, user_id: int | None = None, **details: Any
    ) -> None:
        instance = db.session.get(ProcessInstance, row.instance_id)
        assert instance is not None
        self.event(instance, kind, at, element_id=row.element_id, element_name=row.element_name, task_id=row.id,
                   user_id=user_id, details=details or None)  # fmt: skip

    def variant(self, instance: ProcessInstance, flow: str, variant: str, at: datetime) -> None:
        self.event(instance, ev.VARIANT_CHOSEN, at, element_id="GW", element_name="Approved?",
                   details={"gateway": "GW", "flow": flow, "variant": variant})  # fmt: skip


def build_known_history(definition: ProcessDefinition | None = None) -> dict[str, Any]:
    """The three instances described in the module docstring; commits; returns the rows by name."""
    definition = definition or add_definition()
    h = History(definition)
    one = h.instance("interest:1", msk(11, 9), started_by=10)
    a1 = h.task(one, "Task_A", "Qualify", msk(11, 9), due_at=msk(11, 11))
    h.task_event(a1, ev.TASK_CLAIMED, msk(11, 11), user_id=20)
    h.task_event(a1, ev.TASK_COMPLETED, msk(11, 12), user_id=20)
    h.variant(one, "Flow_yes", "Yes", msk(11, 12))
    b1 = h.task(one, "Task_B", "Negotiate", msk(11, 12))
    h.task_event(b1, ev.TASK_CLAIMED, msk(11, 17), user_id=21)
    h.task_event(b1, ev.TASK_COMPLETED, msk(16, 10), user_id=21)
    h.event(one, ev.INSTANCE_COMPLETED, msk(16, 10))

    two = h.instance("interest:2", msk(10, 9), started_by=10)
    a2 = h.task(two, "Task_A", "Qualify", msk(10, 9))
    h.task_event(a2, ev.TASK_COMPLETED, msk(10, 10), user_id=20)
    h.variant(two, "Flow_no", "No", msk(10, 10))
    h.event(two, ev.INSTANCE_SUSPENDED, msk(10, 11), user_id=1)
    h.event(two, ev.INSTANCE_RESUMED, msk(10, 15), user_id=1)
    h.event(two, ev.INSTANCE_CANCELLED, msk(10, 17), user_id=1)

    three = h.instance("interest:3", msk(16, 9), started_by=11)
    a3 = h.task(three, "Task_A", "Qualify", msk(16, 9), due_at=msk(16, 10))
    h.task_event(a3, ev.TASK_CLAIMED, msk(16, 9, 30), user_id=20)
    h.task_event(a3, ev.TASK_UNCLAIMED, msk(16, 10), user_id=20)
    db.session.commit()
    return {"definition": definition, "instances": (one, two, three), "tasks": (a1, b1, a2, a3)}
