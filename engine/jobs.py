"""Enqueue background work only after the current transaction commits.

The engine and the CRM name jobs by constant task names; the app factory installs a dispatcher (Celery with
Redis in production, an in-process runner otherwise) in ``app.extensions["routemap.dispatcher"]``.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from engine.db import db

_PENDING_KEY = "routemap_pending_jobs"


class Dispatcher(Protocol):
    def dispatch(self, task_name: str, args: tuple[Any, ...]) -> None: ...


def dispatcher() -> Dispatcher:
    return current_app.extensions["routemap.dispatcher"]


def enqueue(task_name: str, *args: Any) -> None:
    """Send ``task_name(*args)`` once the session's transaction commits; dropped if it rolls back.

    A job queued inside a savepoint that rolls back (e.g. a failed service-task operation) is dropped too.
    """
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so a rollback before any query still discards the job
    transaction = session.get_nested_transaction() or session.get_transaction()
    pending: list[tuple[Any, str, tuple[Any, ...], Dispatcher]] = session.info.setdefault(_PENDING_KEY, [])
    pending.append((transaction, task_name, args, dispatcher()))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    # SQLAlchemy fires ``after_commit`` when a savepoint is released too; only the outermost commit counts.
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING_KEY, None)
    for _transaction, task_name, args, target in pending or ():
        target.dispatch(task_name, args)


def _inside(transaction: Any, ancestor: Any) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost rollback discards all the work
        session.info.pop(_PENDING_KEY, None)
        return
    pending = session.info.get(_PENDING_KEY)
    if pending:  # a savepoint rolled back: drop only what was queued inside it
        pending[:] = [p for p in pending if not _inside(p[0], previous_transaction)]


# Periodic jobs: task name -> interval in seconds. Packages add theirs at import time with ``every``;
# Celery beat (production) and the in-process scheduler (`routemap serve` without Redis) read the same table.
PERIODIC: dict[str, float] = {}


def every(seconds: float, task_name: str) -> None:
    """Run ``task_name`` every ``seconds`` under beat or the in-process scheduler."""
    PERIODIC[task_name] = seconds
