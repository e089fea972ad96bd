"""Shared helpers of the runtime integration tests: deploy a fixture route map, list events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.definitions import deploy
from engine.events import ProcessEvent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"

APPROVAL_FORMS: dict[str, dict[str, Any]] = {
    "request.json": {
        "type": "object",
        "required": ["amount"],
        "properties": {"amount": {"type": "integer", "minimum": 1}, "comment": {"type": "string"}},
    },
    "approve.json": {
        "type": "object",
        "required": ["approved"],
        "properties": {"approved": {"type": "boolean"}},
    },
}


def deploy_fixture(
    name: str,
    *,
    forms: dict[str, Any] | None = None,
    dmn: dict[str, str] | None = None,
    text: str | None = None,
) -> ProcessDefinition:
    """Deploy ``tests/fixtures/bpmn/<name>.bpmn`` (or ``text``) and return the stored definition."""
    xml = text if text is not None else (FIXTURES / f"{name}.bpmn").read_text(encoding="utf-8")
    return deploy(xml, forms=forms or {}, dmn=dmn or {}).definition


def kinds(instance_id: int) -> list[str]:
    """Event kinds of an instance, in order."""
    query = select(ProcessEvent.kind).where(ProcessEvent.instance_id == instance_id).order_by(ProcessEvent.id)
    return list(db.session.scalars(query))


def events_of(instance_id: int, kind: str) -> list[ProcessEvent]:
    query = select(ProcessEvent).where(ProcessEvent.instance_id == instance_id, ProcessEvent.kind == kind)
    return list(db.session.scalars(query.order_by(ProcessEvent.id)))
