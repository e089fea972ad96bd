"""The statements one engine step issues, kept to the minimum.

A completion reads its task, the instance, the definition's sha256 and the default calendar's revision in
one SELECT; parsed specs, forms and the calendar come from per-process caches validated by those values.
It then writes one versioned ``UPDATE`` of the instance (0 rows -> someone else stepped it first), one
``UPDATE`` of the completed task, one multi-row ``INSERT ... RETURNING`` of new human tasks and one
multi-row ``INSERT`` of events, and commits. Writes are Core statements; the ORM objects the caller holds
are told the new values (``set_committed_value``) so they stay loaded and never flush a second time.

On PostgreSQL (psycopg 3) the round trips are cut with pipeline mode on the session's own connection (same
transaction): the two UPDATEs travel together (``write_step_rows``), and so do the event INSERT and the
COMMIT (``insert_and_commit``).
"""

from __future__ import annotations

from collections.abc import Callable
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


def _instance_params(instance: ProcessInstance, values: dict[str, Any] | None) -> dict[str, Any]:
    """The step columns to write: ``values`` over what the instance object holds, plus the new version."""
    current = {name: getattr(instance, name) for name in _INSTANCE_COLUMNS}
    if values:
        current.update(values)
    current["version"] = instance.version + 1
    return current


def _bound(values: dict[str, Any], **where: Any) -> dict[str, Any]:
    params = {f"b_{name}": value for name, value in values.items()}
    params.update({f"b_{name}": value for name, value in where.items()})
    return params


def write_instance(instance: ProcessInstance, values: dict[str, Any] | None = None) -> bool:
    """The versioned UPDATE of the instance's step columns; False when its version moved on.

    ``values`` (column -> value) override what the instance object holds; the object is told the written
    values only after the UPDATE matched, so passing them keeps it clean (no ORM flush has work to do).
    """
    written = _instance_params(instance, values)
    params = _bound(written, id=instance.id, read_version=instance.version)
    result = db.session.connection().execute(_statement("write_instance"), params)
    if result.rowcount != 1:
        return False
    keep_loaded(instance, written)
    return True


def finish_task_rows(rows: list[tuple[HumanTask, dict[str, Any]]], open_status: str) -> bool:
    """UPDATE each task row that is still ``open_status`` (status, completed_by/at, assignee_id);
    False if one was not."""
    connection = db.session.connection() if rows else None
    for row, values in rows:
        assert connection is not None
        params = _bound(values, id=row.id, open=open_status)
        if connection.execute(_statement("finish_task"), params).rowcount != 1:
            return False
        keep_loaded(row, values)
    return True


def write_step_rows(
    instance: ProcessInstance,
    values: dict[str, Any],
    finished: list[tuple[HumanTask, dict[str, Any]]],
    open_status: str,
) -> bool:
    """``write_instance`` then ``finish_task_rows``; False (nothing to keep) when either found no row.

    On PostgreSQL both UPDATEs go in one pipeline: one round trip. Still in order, so a concurrent step of
    the instance waits on the instance row lock first and then finds the version moved on.
    """
    raw = _psycopg_connection()
    if raw is None:
        return write_instance(instance, values) and finish_task_rows(finished, open_status)
    written = _instance_params(instance, values)
    update_instance = _driver_statement("write_instance")
    finish_task = _driver_statement("finish_task") if finished else None
    with raw.pipeline():
        instance_cursor = raw.cursor()
        instance_cursor.execute(
            update_instance.sql,
            update_instance.params(_bound(written, id=instance.id, read_version=instance.version)),
        )
        task_cursors = []
        for row, row_values in finished:
            assert finish_task is not None
            cursor = raw.cursor()
            cursor.execute(
                finish_task.sql, finish_task.params(_bound(row_values, id=row.id, open=open_status))
            )
            task_cursors.append(cursor)
    # Leaving the pipeline waited for every result.
    if instance_cursor.rowcount != 1 or any(cursor.rowcount != 1 for cursor in task_cursors):
        return False
    keep_loaded(instance, written)
    for row, row_values in finished:
        keep_loaded(row, row_values)
    return True


def insert_and_commit(table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` into ``table`` (no ids returned) and commit the session: the step's last write.

    On PostgreSQL the INSERT and the COMMIT go in one pipeline (one round trip, one durable commit) after
    the ORM flushed whatever it holds; the session's own commit then finds the transaction committed and
    only does its bookkeeping (``after_commit`` hooks run outside the pipeline, once the data is durable).
    """
    raw = _psycopg_connection()
    if raw is None:
        if rows:
            db.session.connection().execute(_inline_insert(table), rows)
        db.session.commit()
        return
    db.session.flush()
    if rows:
        keys = list(rows[0])
        statement = _driver_statement(
            f"insert {table.name} {keys}", lambda: _inline_insert(table), column_keys=keys
        )
    with raw.pipeline():
        if rows:
            raw.cursor().executemany(statement.sql, [statement.params(row) for row in rows])
        raw.commit()
    db.session.commit()


_inline_inserts: dict[str, Any] = {}


def _inline_insert(table: Table) -> Any:
    """``INSERT INTO table`` that fetches no ids back (built once per table)."""
    found = _inline_inserts.get(table.name)
    if found is None:
        found = _inline_inserts[table.name] = insert(table).inline()
    return found


@dataclass(frozen=True)
class _DriverStatement:
    """A Core statement compiled once for the session's dialect, executed on the DB-API cursor."""

    sql: str
    processors: dict[str, Callable[[Any], Any] | None]

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in values.items():
            process = self.processors[key]
            out[key] = process(value) if process is not None else value
        return out


_driver_statements: dict[tuple[Any, ...], _DriverStatement] = {}


def _driver_statement(
    name: str, build: Callable[[], Any] | None = None, **compile_kwargs: Any
) -> _DriverStatement:
    """``_statement(name)`` (or ``build()``) compiled once per dialect, with its bind processors."""
    dialect = db.session.connection().dialect
    key = (name, dialect.name, dialect.driver, dialect.server_version_info)
    found = _driver_statements.get(key)
    if found is None:
        statement = build() if build is not None else _statement(name)
        compiled = statement.compile(dialect=dialect, **compile_kwargs)
        processors = {
            bind_name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for bind_name, bind in compiled.binds.items()
        }
        found = _driver_statements[key] = _DriverStatement(compiled.string, processors)
    return found


def _psycopg_connection() -> Any | None:
    """The session's psycopg 3 connection (inside the session's transaction), or None on other drivers."""
    connection = db.session.connection()
    if connection.dialect.driver != "psycopg":
        return None
    return connection.connection.dbapi_connection


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
