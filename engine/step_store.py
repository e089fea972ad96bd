"""The statements one engine step issues, kept to the minimum.

A completion reads its task, the instance, the definition's sha256 and the default calendar's revision in
one SELECT; parsed specs, forms and the calendar come from per-process caches validated by those values.
It then writes one versioned ``UPDATE`` of the instance (0 rows -> someone else stepped it first), one
``UPDATE`` of the completed task, one multi-row ``INSERT ... RETURNING`` of new human tasks and one
multi-row ``INSERT`` of events, and commits. Writes are Core statements; the ORM objects the caller holds
are told the new values (``set_committed_value``) so they stay loaded and never flush a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Table,
    bindparam,
    case,
    func,
    insert,
    inspect,
    null,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from engine.calendar_service import default_calendar_columns
from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.humantask_model import HumanTask
from engine.instance_model import ProcessInstance
from engine.runtime_errors import InstanceNotFound

_INSTANCES = cast(Table, ProcessInstance.__table__)
_HUMAN_TASKS = cast(Table, HumanTask.__table__)


@dataclass(frozen=True)
class LoadedInstance:
    """An instance row with what validates the per-process caches for it."""

    instance: ProcessInstance
    definition_sha256: str
    calendar_id: int | None
    calendar_revision: str | None


# Statements are built once; executing them hits SQLAlchemy's compiled cache.
_INSTANCE_COLUMNS = ("status", "state", "updated_at", "ended_at", "definition_id", "business_key")
_statements: dict[str, Any] = {}


def _statement(name: str) -> Any:
    found = _statements.get(name)
    if found is None:
        found = _statements[name] = _BUILDERS[name]()
    return found


def _instance_query() -> Any:
    calendar_id, calendar_revision = default_calendar_columns()
    return (
        select(ProcessInstance, ProcessDefinition.sha256, calendar_id, calendar_revision)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .execution_options(populate_existing=True)
    )


def _build_read_instance() -> Any:
    return _instance_query().where(ProcessInstance.id == bindparam("instance_id"))


def _build_read_task() -> Any:
    # The forms of the definition declaring the task (a called map's own for a task inside a call
    # activity), only when the task has a form: server-side validation needs it.
    declaring = aliased(ProcessDefinition)
    forms = type_coerce(case((HumanTask.form_name.is_not(None), declaring.forms), else_=null()), JSON)
    query = _instance_query().add_columns(HumanTask, forms)
    query = query.join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
    declaring_id = func.coalesce(HumanTask.spec_definition_id, ProcessInstance.definition_id)
    query = query.join(declaring, declaring.id == declaring_id)
    return query.where(HumanTask.id == bindparam("task_id"))


def _build_write_instance() -> Any:
    table = _INSTANCES
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_read_version"))
        .values(
            version=bindparam("b_version"), **{name: bindparam(f"b_{name}") for name in _INSTANCE_COLUMNS}
        )
    )


def _build_finish_task() -> Any:
    table = _HUMAN_TASKS
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.status == bindparam("b_open"))
        .values(
            status=bindparam("b_status"),
            completed_by=bindparam("b_completed_by"),
            completed_at=bindparam("b_completed_at"),
            assignee_id=bindparam("b_assignee_id"),
        )
    )


_BUILDERS = {
    "read_instance": _build_read_instance,
    "read_task": _build_read_task,
    "write_instance": _build_write_instance,
    "finish_task": _build_finish_task,
    "insert_tasks": lambda: insert(_HUMAN_TASKS).returning(_HUMAN_TASKS.c.id, sort_by_parameter_order=True),
}


def read_instance(instance_id: int) -> LoadedInstance:
    """The instance row, freshly read (never a stale identity-map copy); raises ``InstanceNotFound``."""
    row = db.session.execute(_statement("read_instance"), {"instance_id": instance_id}).first()
    if row is None:
        raise InstanceNotFound(f"no process instance with id {instance_id}")
    return LoadedInstance(row[0], row[1], row[2], row[3])


def read_task_and_instance(
    task_id: int,
) -> tuple[HumanTask, LoadedInstance, dict[str, Any] | None] | None:
    """A human task row with its instance and, when the task has a form, the forms of the definition
    declaring the task (one SELECT); None when there is no such task."""
    row = db.session.execute(_statement("read_task"), {"task_id": task_id}).first()
    if row is None:
        return None
    return row[4], LoadedInstance(row[0], row[1], row[2], row[3]), row[5]


def write_instance(instance: ProcessInstance) -> bool:
    """The versioned UPDATE of the instance's step columns; False when its version moved on."""
    values = {name: getattr(instance, name) for name in _INSTANCE_COLUMNS}
    read_version = instance.version
    params = {f"b_{name}": value for name, value in values.items()}
    params.update(b_id=instance.id, b_read_version=read_version, b_version=read_version + 1)
    result = db.session.connection().execute(_statement("write_instance"), params)
    if result.rowcount != 1:
        return False
    values["version"] = read_version + 1
    keep_loaded(instance, values)
    return True


def finish_task_rows(rows: list[tuple[HumanTask, dict[str, Any]]], open_status: str) -> bool:
    """UPDATE each task row that is still ``open_status`` (status, completed_by/at, assignee_id);
    False if one was not."""
    connection = db.session.connection() if rows else None
    for row, values in rows:
        params = {f"b_{name}": value for name, value in values.items()}
        params.update(b_id=row.id, b_open=open_status)
        assert connection is not None
        if connection.execute(_statement("finish_task"), params).rowcount != 1:
            return False
        keep_loaded(row, values)
    return True


def insert_human_tasks(rows: list[dict[str, Any]]) -> list[int]:
    """INSERT the rows in one statement; their new ids, in order."""
    if not rows:
        return []
    result = db.session.connection().execute(_statement("insert_tasks"), rows)
    return [int(new_id) for new_id in result.scalars()]


def keep_loaded(obj: Any, values: dict[str, Any]) -> None:
    """Tell the ORM these values are what the database holds now (no pending change, no reload)."""
    for key, value in values.items():
        set_committed_value(obj, key, value)


def snapshot(obj: Any) -> dict[str, Any]:
    """Every loaded column value of an ORM object (to keep it loaded across a commit)."""
    loaded = obj.__dict__
    return {attr.key: loaded[attr.key] for attr in inspect(obj).mapper.column_attrs if attr.key in loaded}
