"""``workflow.get_tasks(state=...)`` without SpiffWorkflow's general-purpose iterator.

Every engine step asks the task tree a few questions (which tasks are READY, is any in ERROR); SpiffWorkflow
answers each with a generator-and-filter iterator that costs several microseconds per task. The walk here
visits the tasks in exactly the same order with the same pruning rules (``BpmnTaskIterator``, depth
first), in a plain loop. Trees of ``ITERATOR_MAX_DEPTH`` tasks or more go to SpiffWorkflow's own iterator,
because only there can its depth limit hide a task (see ``engine.compaction``).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine.compaction import ITERATOR_MAX_DEPTH

_FINISHED = TaskState.FINISHED_MASK


def tasks_in_state(workflow: Any, state: int) -> list[Any]:
    """The tasks of ``workflow`` (a top-level workflow, subprocesses included) whose state is in the mask
    ``state``, in the order ``workflow.get_tasks(state=state)`` returns them."""
    subprocesses = workflow.subprocesses
    size = len(workflow.tasks) + sum(len(sub.tasks) for sub in subprocesses.values())
    if size >= ITERATOR_MAX_DEPTH:
        return list(workflow.get_tasks(state=state))
    # The iterator's pruning: it does not look below tasks in states lower than these.
    if state & TaskState.PREDICTED_MASK:
        min_state = TaskState.MAYBE
    elif state & TaskState.DEFINITE_MASK:
        min_state = TaskState.FUTURE
    else:
        min_state = TaskState.COMPLETED
    # (sic) SpiffWorkflow compares the state with the mask here, not with ``has_state``.
    skip_finished_subprocesses = state <= _FINISHED
    found = []
    stack = [workflow.task_tree]
    while stack:
        task = stack.pop()
        task_state = task._state
        if task_state & state:
            found.append(task)
        subprocess = subprocesses.get(task.id) if subprocesses else None
        if subprocess is None:
            if task._children and task_state >= min_state:
                tasks = task.workflow.tasks
                stack.extend(tasks.get(child) for child in reversed(task._children))
            continue
        tasks = task.workflow.tasks
        stack.extend(tasks.get(child) for child in reversed(task._children))
        if not (task_state >= _FINISHED and skip_finished_subprocesses):
            stack.append(subprocess.task_tree)  # visited before the task's children
    return found


def workflow_completed(workflow: Any) -> bool:
    """``workflow.is_completed()``: no unfinished task in its tree (the top tree only, as SpiffWorkflow's
    ``TaskIterator`` walks it), remembered in ``workflow.completed`` once true."""
    if workflow.completed:
        return True
    if len(workflow.tasks) >= ITERATOR_MAX_DEPTH:
        return bool(workflow.is_completed())
    unfinished = TaskState.NOT_FINISHED_MASK
    tasks = workflow.tasks
    stack = [workflow.task_tree]
    while stack:
        task = stack.pop()
        if task._state & unfinished:
            return False
        stack.extend(tasks.get(child) for child in task._children)
    workflow.completed = True
    return True
