"""Reading deployed process definitions (the rows are immutable once stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.errors import DefinitionNotFound, FormNotFound


@dataclass(frozen=True)
class DefinitionSummary:
    """One line of the route-map list: a key with its number of versions and its latest version."""

    key: str
    name: str
    versions: int
    latest_version: int
    latest_id: int
    deployed_at: datetime


def get_definition(definition_id: int) -> ProcessDefinition:
    """The definition with this id; raises ``DefinitionNotFound``."""
    definition = db.session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise DefinitionNotFound(f"no process definition with id {definition_id}")
    return definition


def latest_definition(key: str) -> ProcessDefinition | None:
    """The highest version deployed under ``key``, or None when the key was never deployed."""
    return db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
    ).first()


def find_definition(key: str, version: int | None = None) -> ProcessDefinition | None:
    """Version ``version`` of ``key`` (the latest when None), or None when there is no such version."""
    if version is None:
        return latest_definition(key)
    return db.session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key, ProcessDefinition.version == version)
    ).first()


def list_versions(key: str) -> list[ProcessDefinition]:
    """Every version of ``key``, newest first (the editor's history)."""
    return list(
        db.session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc())
        )
    )


def list_definitions() -> list[DefinitionSummary]:
    """All deployed keys, by key, each with its number of versions and latest version."""
    counts = (
        select(
            ProcessDefinition.key.label("key"),
            func.count(ProcessDefinition.id).label("versions"),
            func.max(ProcessDefinition.version).label("latest"),
        )
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    rows = db.session.execute(
        select(ProcessDefinition, counts.c.versions)
        .join(
            counts, (ProcessDefinition.key == counts.c.key) & (ProcessDefinition.version == counts.c.latest)
        )
        .order_by(ProcessDefinition.key)
    ).all()
    return [
        DefinitionSummary(
            key=d.key,
            name=d.name,
            versions=int(versions),
            latest_version=d.version,
            latest_id=d.id,
            deployed_at=d.deployed_at,
        )
        for d, versions in rows
    ]


def form_for(definition_id: int, form_name: str) -> dict[str, Any]:
    """The form (JSON Schema or UI schema) ``form_name`` deployed with the definition; raises ``FormNotFound``."""
    definition = get_definition(definition_id)
    form = (definition.forms or {}).get(form_name)
    if not isinstance(form, dict):
        raise FormNotFound(f"{definition.key} v{definition.version} has no form {form_name!r}")
    return form
