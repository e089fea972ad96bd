"""The data a parallel or inclusive join passes on: what each branch did, not its stale copy of the rest.

SpiffWorkflow 3.2 (``UnstructuredJoin._run_hook``) merges the data of every finished task of the join into
the task that fires it and then the data of the branch that arrived last over all of it. Every branch
carries its own full copy of the data from the split, so a variable only one branch changed is set back by
the copy of a branch that arrived after it — whenever the variable existed before the split. In a rework
loop of parallel reviews that is every round after the first: round 2's legal verdict is replaced by the
finance branch's copy of round 1's. The join tasks of earlier rounds, still in the tree, are merged in again
too.

Here the task that fires the join starts from the data at the split and gets each arrival's own changes —
what its branch set, changed or removed since it left the split — in the order the branches arrived, its
own branch last. Arrivals that belong to an earlier firing of the join (an earlier round of a loop) are left
out. Changes are per top-level variable, as SpiffWorkflow's own ``_inherit_data`` applies them.

``install()`` replaces the hook for ``ParallelGateway``, ``InclusiveGateway`` and the workflow's end join (all
``UnstructuredJoin``); ``engine`` installs it on import.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

_ORIGINAL = UnstructuredJoin._run_hook


def _run_hook(self: Any, my_task: Any) -> bool:
    others = [
        t
        for t in my_task.workflow.tasks.values()
        if t.task_spec == self and t.has_state(TaskState.FINISHED_MASK) and not my_task.is_descendant_of(t)
    ]
    for task in others:
        # As SpiffWorkflow does: a workflow reset inside a branch leaves a completed join's old children.
        if task.has_state(TaskState.COMPLETED):
            task._drop_children(force=True)
    my_task.data = joined_data(self, my_task, others)
    return True


def joined_data(spec: Any, my_task: Any, others: list[Any]) -> dict[str, Any]:
    """The data for ``my_task``, the join task firing now, from the arrivals of this firing among
    ``others`` (finished tasks of the join that are not its ancestors)."""
    path = _ancestors(my_task)  # my_task's parent first, the root last
    position = {task.id: index for index, task in enumerate(path)}
    arrivals = []
    for task in others:
        fork = _first_in(task, position)
        if fork is None:
            continue
        between = path[: position[fork.id]]  # from my_task's parent up to, not including, the fork
        if any(a.task_spec == spec and a._state == TaskState.COMPLETED for a in between):
            continue  # the join fired between the fork and now: an arrival of an earlier firing
        arrivals.append((task, fork))
    parent = my_task.parent
    if not arrivals or parent is None:
        return _merged(dict(my_task.data), parent.data if parent is not None else {})
    top = max((fork for _task, fork in arrivals), key=lambda fork: position[fork.id])
    data = deepcopy(top.data)
    for task, fork in sorted(arrivals, key=lambda pair: pair[0].last_state_change):
        _apply_changes(data, fork.data, task.parent.data)
    _apply_changes(data, top.data, parent.data)
    return data


def _ancestors(task: Any) -> list[Any]:
    out = []
    current = task.parent
    while current is not None:
        out.append(current)
        current = current.parent
    return out


def _first_in(task: Any, position: dict[Any, int]) -> Any | None:
    """``task``'s nearest ancestor on the path (where its branch left my_task's)."""
    current = task.parent
    while current is not None and current.id not in position:
        current = current.parent
    return current


def _apply_changes(data: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> None:
    """Set in ``data`` what changed from ``before`` to ``after`` (new, changed and removed variables)."""
    for key, value in after.items():
        if key not in before or before[key] != value:
            data[key] = deepcopy(value)
    for key in before:
        if key not in after:
            data.pop(key, None)


def _merged(data: dict[str, Any], parent_data: dict[str, Any]) -> dict[str, Any]:
    """A join with one arrival: SpiffWorkflow's ``_inherit_data``."""
    return DeepMerge.merge(data, parent_data)


def install() -> None:
    """Use ``joined_data`` at every join (idempotent)."""
    UnstructuredJoin._run_hook = _run_hook


def uninstall() -> None:
    """SpiffWorkflow's own hook again (tests comparing the two)."""
    UnstructuredJoin._run_hook = _ORIGINAL


__all__ = ["install", "joined_data", "uninstall"]
