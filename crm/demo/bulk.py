"""Fast bulk loading for scale data: COPY on PostgreSQL, executemany elsewhere.

Rows carry explicit ids (the caller needs them for foreign keys), columns left out get the model's Python-side
defaults, and PostgreSQL's id sequence is moved past the loaded ids afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select, text

from engine.db import db


def next_id(table: Table) -> int:
    """The first free id of ``table`` (for rows that carry their own ids)."""
    return int(db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def bulk_insert(table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` into ``table`` in one round (COPY on PostgreSQL); the caller commits."""
    if not rows:
        return 0
    columns = [c for c in table.columns if c.name in rows[0] or _default_of(c) is not _NO_DEFAULT]
    if db.engine.dialect.name == "postgresql":
        _copy(table, columns, rows)
    else:
        filled = [
            {c.name: row[c.name] if c.name in row else _default_value(c) for c in columns} for row in rows
        ]
        db.session.execute(table.insert(), filled)
    return len(rows)


def reset_id_sequence(table: Table) -> None:
    """Move PostgreSQL's id sequence past explicitly inserted ids (no-op elsewhere)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM \"{table.name}\"))"
            )
        )


_NO_DEFAULT = object()


def _default_of(column: Any) -> Any:
    default = column.default
    if default is None:
        return _NO_DEFAULT
    return default


def _default_value(column: Any) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    return default.arg(None)  # SQLAlchemy wraps zero-argument callables to accept the context


def _copy(table: Table, columns: list[Any], rows: Iterable[dict[str, Any]]) -> None:
    names = ", ".join(f'"{c.name}"' for c in columns)
    connection = db.session.connection().connection.dbapi_connection
    assert connection is not None
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_pg_value(row[c.name] if c.name in row else _default_value(c)) for c in columns])


def _pg_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # UTCDateTime stores naive UTC
    return value
