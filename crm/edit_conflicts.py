"""Two people editing one card: the second save must not silently undo the first.

An edit form remembers where the card's change history stood when it was opened (``history_mark``). On save,
``save_unless_overwriting`` applies the changes in the session — the card services record every field they
change in the change history — and compares: when someone else changed, after the form was opened, a field
this save changes too (to another value: giving a field the value it already has records nothing), the save is
undone and ``EditConflict`` lists their changes. Changes to other fields are kept and merged. A form submitted
again with the mark the conflict gives (``EditConflict.mark``) overwrites knowingly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select

from crm.errors import CrmError
from crm.history import ChangeLogEntry
from engine.db import db

T = TypeVar("T")


class EditConflict(CrmError):
    """Fields this save would change were changed after the form was opened (by another person, the system,
    or the same user in another window); nothing was saved.

    ``entries``: their changes of those fields, oldest first; ``mark``: the history mark to submit again with
    to overwrite them.
    """

    def __init__(self, entries: list[ChangeLogEntry], mark: int) -> None:
        self.entries = list(entries)
        self.mark = mark
        self.fields = {entry.field for entry in self.entries}
        super().__init__(f"changed after the form was opened: {', '.join(sorted(self.fields))}")


def history_mark(entity: str, entity_id: int) -> int:
    """Where the card's change history stands now (0 when it has none)."""
    stmt = select(func.max(ChangeLogEntry.id)).where(
        ChangeLogEntry.entity == entity, ChangeLogEntry.entity_id == entity_id
    )
    return int(db.session.scalar(stmt) or 0)


def _entries_after(entity: str, entity_id: int, after: int) -> list[ChangeLogEntry]:
    stmt = select(ChangeLogEntry).where(
        ChangeLogEntry.entity == entity, ChangeLogEntry.entity_id == entity_id, ChangeLogEntry.id > after
    )
    return list(db.session.scalars(stmt.order_by(ChangeLogEntry.id)))


def save_unless_overwriting(
    entity: str, entity_id: int, seen_mark: int | None, model: Any, apply: Callable[[], T]
) -> T:
    """Run ``apply`` (changes the card in the session, records its field changes, does not commit) and commit,
    unless it would overwrite someone else's change made after ``seen_mark``: then roll back and raise
    ``EditConflict``. ``seen_mark`` None: no check (the caller is not a form opened earlier).

    The card's row (``model``, by ``entity_id``) is locked first on PostgreSQL, so two saves of one card are
    compared one after the other.
    """
    if seen_mark is None:
        result = apply()
        db.session.commit()
        return result
    db.session.execute(select(model.id).where(model.id == entity_id).with_for_update())
    before = history_mark(entity, entity_id)
    result = apply()
    db.session.flush()
    if before > seen_mark:
        since = _entries_after(entity, entity_id, seen_mark)  # theirs, then this save's own
        written = {entry.field for entry in since if entry.id > before}
        theirs = [e for e in since if e.id <= before and e.field in written]
        if theirs:
            db.session.rollback()
            raise EditConflict(theirs, before)
    db.session.commit()
    return result


__all__ = ["EditConflict", "history_mark", "save_unless_overwriting"]
