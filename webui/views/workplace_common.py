"""Helpers shared by the employees' workplace views: domain errors -> HTTP, deadline badges, htmx."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from flask import abort, request

from crm.errors import AccessDenied, NotFound
from engine.runtime_errors import InstanceNotFound, TaskNotFound

AMBER_SHARE = 0.25  # amber when less than a quarter of the time from creation to deadline is left
AMBER_AT_MOST_SECONDS = 4 * 3600  # ... or less than four hours


def abort_for(exc: Exception) -> NoReturn:
    """403 for access errors, 404 for unknown records; anything else is re-raised."""
    if isinstance(exc, AccessDenied):
        abort(403)
    if isinstance(exc, NotFound | TaskNotFound | InstanceNotFound):
        abort(404)
    raise exc


def deadline_state(due_at: datetime | None, created_at: datetime | None, now: datetime) -> str:
    """``none``, ``overdue`` (red), ``soon`` (amber) or ``ok`` (green) for a due date."""
    if due_at is None:
        return "none"
    left = (due_at - now).total_seconds()
    if left <= 0:
        return "overdue"
    whole = (due_at - created_at).total_seconds() if created_at else left
    if left < AMBER_AT_MOST_SECONDS or (whole > 0 and left / whole < AMBER_SHARE):
        return "soon"
    return "ok"


BADGE_CLASSES = {
    "overdue": "text-bg-danger",
    "breached": "text-bg-danger",
    "soon": "text-bg-warning",
    "warning": "text-bg-warning",
    "ok": "text-bg-success",
    "met": "text-bg-success",
    "met_late": "text-bg-secondary",
    "none": "text-bg-light border",
}


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


# Query arguments above this are treated as malformed: a page number or an id beyond it would overflow the
# database's integers (SQLite raises OverflowError) instead of finding nothing.
MAX_INT_ARG = 2**31 - 1


def parse_id(value: Any) -> int | None:
    """A record id typed into a form or query (``"42"``), or None when it is not one a key can hold.

    ``str.isdigit`` is not enough: it accepts ``"²"`` (which ``int`` refuses) and numbers of any size.
    """
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_INT_ARG else None


def int_arg(name: str, default: int | None = None, *, minimum: int | None = None) -> Any:
    """An integer query argument; malformed or out-of-range values fall back to ``default``."""
    value = request.args.get(name, type=int)
    if value is None or abs(value) > MAX_INT_ARG or (minimum is not None and value < minimum):
        return default
    return value
