"""Task ids that remember their text.

SpiffWorkflow writes every task id, parent id and child id as text when a workflow is serialized, and the
engine keys its projections by that text: some fifty ``str(uuid)`` calls per step, each formatting 128 bits
in Python. A kept workflow (``engine.workflow_cache``) lives on from step to step, so its ids are turned
into ``TaskId`` once and their text is reused. A ``TaskId`` is a ``UUID`` (equal, same hash, same text);
copied or pickled it becomes a plain ``UUID`` again.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID


class TaskId(UUID):
    """A ``UUID`` that keeps its text and hash."""

    __slots__ = ("_hash", "_text")
    _hash: int
    _text: str

    def __str__(self) -> str:
        return self._text

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        return (UUID, (self._text,))


def task_id(value: UUID) -> TaskId:
    """``value`` as a ``TaskId`` (itself when it is one already)."""
    if type(value) is TaskId:
        return value
    remembered = object.__new__(TaskId)
    object.__setattr__(remembered, "int", value.int)
    object.__setattr__(remembered, "is_safe", value.is_safe)
    object.__setattr__(remembered, "_text", UUID.__str__(value))
    object.__setattr__(remembered, "_hash", hash(value.int))
    return remembered


def remember_task_ids(owner: Any) -> None:
    """Give every task of ``owner``'s task map (and its map keys, parents and children) a ``TaskId``.

    One pass; after the first call only the tasks created since need converting.
    """
    tasks = owner.tasks
    ids: dict[Any, TaskId] = {}
    for key in tasks:
        if type(key) is not TaskId:
            ids = {key: task_id(key) for key in tasks}
            owner.tasks = tasks = {ids[key]: task for key, task in tasks.items()}
            break
    for task in tasks.values():
        if type(task.id) is not TaskId:
            task.id = ids.get(task.id) or task_id(task.id)
        parent = task._parent
        if parent is not None and type(parent) is not TaskId:
            task._parent = ids.get(parent) or task_id(parent)
        for child in task._children:
            if type(child) is not TaskId:
                task._children = [ids.get(child) or task_id(child) for child in task._children]
                break
