"""The statements one engine step issues, kept to the minimum and sent straight to the driver.

A completion reads its task, the instance, the definition's sha256 and the default calendar's revision in
one SELECT; parsed specs, forms and the calendar come from per-process caches validated by those values.
It then writes one versioned ``UPDATE`` of the instance (0 rows -> someone else stepped it first; only the
columns the step changed), one ``UPDATE`` of the completed task, one ``INSERT`` per new human task and one
``INSERT`` of the events, and commits.

These statements are compiled once per dialect and run on the session's own DB-API connection (same
transaction), with SQLAlchemy's bind and result processors but without its per-execution machinery, which
costs several times what SQLite itself spends on a statement. The task and instance the completion reads
come back as *detached* ORM objects holding every column: a commit never expires them, so they stay
readable after the step, and they are never flushed (the step writes their columns itself and tells them
the written values, ``keep_loaded``).

On PostgreSQL (psycopg 3) round trips are cut with pipeline mode: the read travels with psycopg's ``BEGIN``,
the two UPDATEs travel together (``write_step_rows``), and so do the event INSERT and the COMMIT
(``insert_and_commit``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    JSON,
    DateTime,
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
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from engine.calendar_service import default_calendar_columns
from engine.db import UTCDateTime, db
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


# The columns a step may change; the versioned UPDATE writes those that differ from what was read.
_INSTANCE_COLUMNS = ("status", "state", "updated_at", "ended_at", "definition_id", "business_key")


def _column_keys(model: Any) -> tuple[str, ...]:
    return tuple(attr.key for attr in inspect(model).column_attrs)


_INSTANCE_KEYS = _column_keys(ProcessInstance)
_TASK_KEYS = _column_keys(HumanTask)


# --- statements, compiled once per dialect ---------------------------------------------------------------


def _read_columns() -> list[Any]:
    calendar_id, calendar_revision = default_calendar_columns()
    return [
        *(getattr(ProcessInstance, key) for key in _INSTANCE_KEYS),
        ProcessDefinition.sha256,
        calendar_id,
        calendar_revision,
    ]


def _build_read_instance() -> Any:
    return (
        select(*_read_columns())
        .join_from(ProcessInstance, ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessInstance.id == bindparam("instance_id"))
    )


def _build_read_task() -> Any:
    # The forms of the definition declaring the task (a called map's own for a task inside a call
    # activity), only when the task has a form: server-side validation needs it.
    declaring = aliased(ProcessDefinition)
    forms = type_coerce(case((HumanTask.form_name.is_not(None), declaring.forms), else_=null()), JSON)
    columns = [*_read_columns(), *(getattr(HumanTask, key) for key in _TASK_KEYS), forms]
    declaring_id = func.coalesce(HumanTask.spec_definition_id, ProcessInstance.definition_id)
    return (
        select(*columns)
        .join_from(HumanTask, ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .join(declaring, declaring.id == declaring_id)
        .where(HumanTask.id == bindparam("task_id"))
    )


def _build_write_instance(columns: tuple[str, ...]) -> Any:
    table = _INSTANCES
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_read_version"))
        .values(version=bindparam("b_version"), **{name: bindparam(f"b_{name}") for name in columns})
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


_REQUIRED: Any = object()


@dataclass(frozen=True)
class _DriverStatement:
    """A Core statement compiled for one dialect, executed on the DB-API connection.

    ``binds`` are, in the order the SQL wants them (positional drivers such as sqlite3) or by name
    (psycopg): the bind name, the key of the value in the dict handed to ``params`` (the bind name without
    its ``b_`` prefix), SQLAlchemy's bind processor for its type and the default value, if any; ``results``
    are the result processors of the selected columns.
    """

    sql: str
    positional: bool
    binds: tuple[tuple[str, str, Callable[[Any], Any] | None, Any], ...]
    results: tuple[Callable[[Any], Any] | None, ...]

    def params(self, values: dict[str, Any]) -> Any:
        out = []
        get = values.get
        for _name, key, process, default in self.binds:
            value = get(key, default)
            if value is _REQUIRED:
                raise KeyError(key)
            out.append(value if process is None or value is None else process(value))
        if self.positional:
            return tuple(out)
        return {bind[0]: value for bind, value in zip(self.binds, out, strict=True)}

    def row(self, raw: Any) -> list[Any]:
        return [
            process(value) if process is not None and value is not None else value
            for process, value in zip(self.results, raw, strict=True)
        ]


def _remember_last(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` that returns its last result again for the very same (immutable) value: a step binds
    its instant several times (updated_at, completed_at, created_at, each event's at)."""
    last: list[tuple[Any, Any]] = [(_REQUIRED, None)]

    def remembered(value: Any) -> Any:
        seen, result = last[0]
        if seen is value:
            return result
        result = process(value)
        last[0] = (value, result)
        return result

    return remembered


def _bind_processor(bind: Any, dialect: Any) -> Callable[[Any], Any] | None:
    process = bind.type._cached_bind_processor(dialect)
    if process is not None and isinstance(bind.type, DateTime | UTCDateTime):
        return _remember_last(process)
    return process


_driver_statements: dict[tuple[Any, ...], _DriverStatement] = {}


def _driver_statement(
    dialect: Any, name: Any, build: Callable[[], Any], **compile_kwargs: Any
) -> _DriverStatement:
    """``build()`` compiled once per dialect (keyed by ``name``), with its bind and result processors."""
    key = (name, dialect.name, dialect.driver, dialect.server_version_info)
    found = _driver_statements.get(key)
    if found is None:
        statement = build()
        compiled = statement.compile(dialect=dialect, **compile_kwargs)
        by_name = {rendered: bind for bind, rendered in compiled.bind_names.items()}
        names = list(compiled.positiontup) if compiled.positional else list(by_name)
        defaults = compiled.params
        binds = tuple(
            (
                name,
                name[2:] if name.startswith("b_") else name,
                _bind_processor(by_name[name], dialect),
                defaults[name] if defaults.get(name) is not None else _REQUIRED,
            )
            for name in names
        )
        selected = getattr(statement, "selected_columns", None) if not statement.is_dml else None
        results = tuple(column.type._cached_result_processor(dialect, None) for column in (selected or ()))
        found = _DriverStatement(compiled.string, compiled.positional, binds, results)
        _driver_statements[key] = found
    return found


@dataclass(frozen=True)
class StepConnection:
    """The session's transaction as the step statements use it: its dialect and DB-API connection."""

    dialect: Any
    raw: Any
    psycopg: bool


def step_connection() -> StepConnection:
    """The session's connection (its transaction begun if need be), for several step statements in a row."""
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    return StepConnection(connection.dialect, raw, type(raw).__module__.startswith("psycopg"))


def _execute(raw: Any, statement: _DriverStatement, values: dict[str, Any]) -> Any:
    cursor = raw.cursor()
    cursor.execute(statement.sql, statement.params(values))
    return cursor


# --- reading ---------------------------------------------------------------------------------------------


def _detached(model: Any, keys: tuple[str, ...], values: list[Any]) -> Any:
    """An ORM object holding ``values`` (every column) as loaded from the database, in no session: never
    expired by a commit, never flushed. What ``make_transient_to_detached`` gives a fully loaded object
    (its history reset and nothing left to expire are already true of a fresh one), without the work."""
    obj = model._sa_class_manager.new_instance()
    obj.__dict__.update(zip(keys, values, strict=True))
    state = instance_state(obj)
    state.key = state.mapper.identity_key_from_primary_key((obj.__dict__["id"],))
    return obj


def _fetch_one(name: str, build: Callable[[], Any], values: dict[str, Any]) -> list[Any] | None:
    on = step_connection()
    statement = _driver_statement(on.dialect, name, build)
    with on.raw.pipeline() if on.psycopg else nullcontext():  # PostgreSQL: the SELECT travels with BEGIN
        cursor = _execute(on.raw, statement, values)
    found = cursor.fetchone()
    return None if found is None else statement.row(found)


def _loaded(values: list[Any]) -> tuple[LoadedInstance, int]:
    """The LoadedInstance at the start of a read row, and where the rest of the row starts."""
    n = len(_INSTANCE_KEYS)
    instance = _detached(ProcessInstance, _INSTANCE_KEYS, values[:n])
    return LoadedInstance(instance, values[n], values[n + 1], values[n + 2]), n + 3


def read_instance(instance_id: int) -> LoadedInstance:
    """The instance row, freshly read, as a detached object; raises ``InstanceNotFound``."""
    values = _fetch_one("read_instance", _build_read_instance, {"instance_id": instance_id})
    if values is None:
        raise InstanceNotFound(f"no process instance with id {instance_id}")
    return _loaded(values)[0]


def read_task_and_instance(
    task_id: int,
) -> tuple[HumanTask, LoadedInstance, dict[str, Any] | None] | None:
    """A human task row with its instance (both detached) and, when the task has a form, the forms of the
    definition declaring the task (one SELECT); None when there is no such task."""
    values = _fetch_one("read_task", _build_read_task, {"task_id": task_id})
    if values is None:
        return None
    loaded, start = _loaded(values)
    end = start + len(_TASK_KEYS)
    return _detached(HumanTask, _TASK_KEYS, values[start:end]), loaded, values[end]


# --- writing ---------------------------------------------------------------------------------------------


def _instance_params(instance: ProcessInstance, values: dict[str, Any] | None) -> dict[str, Any]:
    """The step columns to write: ``values`` that differ from the read row, every column the object was
    told to change (an attribute set during the step), plus the new version."""
    loaded = instance.__dict__
    if instance_state(instance).modified:
        written = {name: getattr(instance, name) for name in _INSTANCE_COLUMNS}
    else:
        written = {}
    for name, value in (values or {}).items():
        if name not in loaded or loaded[name] != value or name in written:
            written[name] = value
    written["version"] = instance.version + 1
    return written


def _write_instance_statement(dialect: Any, written: dict[str, Any]) -> _DriverStatement:
    columns = tuple(sorted(name for name in written if name != "version"))
    return _driver_statement(dialect, ("write_instance", columns), lambda: _build_write_instance(columns))


def _finish_params(row: HumanTask, values: dict[str, Any], open_status: str) -> dict[str, Any]:
    return {**values, "id": row.id, "open": open_status}


def write_instance(
    instance: ProcessInstance, values: dict[str, Any] | None = None, *, on: StepConnection | None = None
) -> bool:
    """The versioned UPDATE of the instance's step columns; False when its version moved on.

    ``values`` (column -> value) override what the instance object holds; the object is told the written
    values only after the UPDATE matched, so passing them keeps it clean (no ORM flush has work to do).
    """
    on = on or step_connection()
    written = _instance_params(instance, values)
    params = {**written, "id": instance.id, "read_version": instance.version}
    if _execute(on.raw, _write_instance_statement(on.dialect, written), params).rowcount != 1:
        return False
    keep_loaded(instance, written)
    return True


def finish_task_rows(
    rows: list[tuple[HumanTask, dict[str, Any]]], open_status: str, *, on: StepConnection | None = None
) -> bool:
    """UPDATE each task row that is still ``open_status`` (status, completed_by/at, assignee_id);
    False if one was not."""
    if not rows:
        return True
    on = on or step_connection()
    statement = _driver_statement(on.dialect, "finish_task", _build_finish_task)
    for row, values in rows:
        if _execute(on.raw, statement, _finish_params(row, values, open_status)).rowcount != 1:
            return False
        keep_loaded(row, values)
    return True


def write_step_rows(
    instance: ProcessInstance,
    values: dict[str, Any],
    finished: list[tuple[HumanTask, dict[str, Any]]],
    open_status: str,
    *,
    on: StepConnection | None = None,
) -> bool:
    """``write_instance`` then ``finish_task_rows``; False (nothing kept) when either found no row.

    On PostgreSQL both UPDATEs go in one pipeline: one round trip. Still in order, so a concurrent step of
    the instance waits on the instance row lock first and then finds the version moved on.
    """
    on = on or step_connection()
    raw = on.raw
    written = _instance_params(instance, values)
    update_instance = _write_instance_statement(on.dialect, written)
    finish_task = _driver_statement(on.dialect, "finish_task", _build_finish_task)
    with raw.pipeline() if on.psycopg else nullcontext():
        cursors = [
            _execute(raw, update_instance, {**written, "id": instance.id, "read_version": instance.version})
        ]
        for row, row_values in finished:
            if not on.psycopg and cursors[-1].rowcount != 1:
                return False  # SQLite answers at once: stop at the first refusal
            cursors.append(_execute(raw, finish_task, _finish_params(row, row_values, open_status)))
    # On PostgreSQL leaving the pipeline waited for every result.
    if any(cursor.rowcount != 1 for cursor in cursors):
        return False
    keep_loaded(instance, written)
    for row, row_values in finished:
        keep_loaded(row, row_values)
    return True


def _insert_statement(dialect: Any, table: Table, keys: list[str], *, returning: bool) -> _DriverStatement:
    def build() -> Any:
        statement = insert(table)
        return statement.returning(table.c.id) if returning else statement

    return _driver_statement(dialect, ("insert", table.name, tuple(keys), returning), build, column_keys=keys)


def insert_and_commit(table: Table, rows: list[dict[str, Any]], *, on: StepConnection | None = None) -> None:
    """INSERT ``rows`` into ``table`` (no ids returned) and commit the session: the step's last write.

    On PostgreSQL the ORM first flushes whatever it holds, then the INSERT and the COMMIT go in one
    pipeline (one round trip, one durable commit); the session's own commit finds the transaction
    committed and only does its bookkeeping (``after_commit`` hooks run once the data is durable). On
    SQLite the session's commit flushes and commits after the INSERT.
    """
    on = on or step_connection()
    raw = on.raw
    statement = _insert_statement(on.dialect, table, list(rows[0]), returning=False) if rows else None
    if not on.psycopg:
        if statement is not None:
            raw.cursor().executemany(statement.sql, [statement.params(row) for row in rows])
        db.session.commit()
        return
    db.session.flush()
    with raw.pipeline():
        if statement is not None:
            raw.cursor().executemany(statement.sql, [statement.params(row) for row in rows])
        # COMMIT as a statement of the pipeline: its Sync is the pipeline's own (connection.commit()
        # would add a second one, an extra round trip). psycopg reads the idle state from the server.
        raw.cursor().execute("COMMIT")
    db.session.commit()


def insert_human_tasks(rows: list[dict[str, Any]], *, on: StepConnection | None = None) -> list[int]:
    """INSERT the rows (one statement each; on PostgreSQL all in one pipeline); their new ids, in order."""
    if not rows:
        return []
    on = on or step_connection()
    raw = on.raw
    statement = _insert_statement(on.dialect, _HUMAN_TASKS, list(rows[0]), returning=on.psycopg)
    if not on.psycopg:
        return [int(_execute(raw, statement, row).lastrowid) for row in rows]
    with raw.pipeline():
        cursors = [_execute(raw, statement, row) for row in rows]
    return [int(cursor.fetchone()[0]) for cursor in cursors]


def keep_loaded(obj: Any, values: dict[str, Any]) -> None:
    """Tell the ORM these values are what the database holds now (no pending change, no reload)."""
    state = instance_state(obj)
    if not state.modified and not state.expired_attributes:  # nothing pending: replace the loaded values
        obj.__dict__.update(values)
        return
    for key, value in values.items():
        set_committed_value(obj, key, value)
