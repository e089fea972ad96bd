"""Keep completed history out of the hot workflow state.

SpiffWorkflow keeps every completed task in the tree, so a long-lived instance (a loop of 300 rounds, a deal
with many interactions) serializes its whole past on every step and, past ~1000 levels, stalls in recursive
tree walks. The event log already holds that history, so after each step we cut the finished "trunk" of the
tree: a chain of finished tasks from the root whose other branches are finished and hold no join bookkeeping.

What we keep, and why:
- the parent of every unfinished task (joins and boundary events look at their parents/ancestors);
- finished branches containing join tasks (a parallel join counts arrivals through them);
- anything under a task with more than one live branch.

The trunk cannot shrink while a branch of a parallel split is still live (a user task waits beside a long
loop): the loop's finished chain then grows below the split, two levels a round, until SpiffWorkflow's walks
stop seeing its end. Trees of ``CHAIN_COMPRESSION_MIN_TASKS`` tasks or more therefore also get their finished
chains shortened wherever they are: a completed task whose only live child is completed too is spliced out
(its child takes its place under its parent, finished side branches without joins go with it). Parallel and
inclusive joins count arrivals through their join tasks' parents, finished ones included, so neither a join
task nor its parent is ever spliced out. Boundary and start events' joins look back to their split only
while they are unfinished, and a completed split's join is finished (it completes with the main task), and
the parent of an unfinished task always stays, so completed splits and structured joins may go.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState

# Below this size trunk compaction alone keeps trees small; chain compression is for the trees it cannot cut.
CHAIN_COMPRESSION_MIN_TASKS = 64


def compact_history(workflow: Any) -> int:
    """Remove the finished trunk of the top workflow and of each active subprocess; in big trees, also the
    finished chains below live parallel branches. Returns how many tasks were removed."""
    removed = _compact_tree(workflow, workflow)
    for subprocess in list(workflow.subprocesses.values()):
        if not subprocess.completed:
            removed += _compact_tree(subprocess, workflow)
    if task_count(workflow) >= CHAIN_COMPRESSION_MIN_TASKS:
        removed += _compress_chains(workflow, workflow)
        for subprocess in list(workflow.subprocesses.values()):
            if not subprocess.completed:
                removed += _compress_chains(subprocess, workflow)
    return removed


def task_count(workflow: Any) -> int:
    """Tasks of the top workflow and all its subprocesses."""
    return len(workflow.tasks) + sum(len(sub.tasks) for sub in workflow.subprocesses.values())


def _compress_chains(tree_owner: Any, top: Any) -> int:
    """Splice finished chain links out of ``tree_owner``'s tree (see the module docstring)."""
    droppable = _droppable_subtrees(tree_owner.task_tree)
    removed = 0
    stack = [tree_owner.task_tree]
    while stack:
        parent = stack.pop()
        kept_children, changed = [], False
        for child in parent.children:
            while (link := _spliceable(child, droppable)) is not None:
                for other in child.children:
                    if other is not link:
                        removed += _remove_subtree(tree_owner, top, other)
                removed += _forget(tree_owner, top, child)
                link._parent = parent.id
                child, changed = link, True
            kept_children.append(child.id)
            stack.append(child)
        if changed:
            parent._children = kept_children
    if removed and tree_owner.last_task is not None and tree_owner.last_task.id not in tree_owner.tasks:
        tree_owner.last_task = None
    return removed


def _spliceable(task: Any, droppable: set[Any]) -> Any | None:
    """The child that takes ``task``'s place when ``task`` may be spliced out, else None."""
    if task._state != TaskState.COMPLETED or isinstance(task.task_spec, UnstructuredJoin):
        return None
    live = [child for child in task.children if child.id not in droppable]
    if len(live) != 1:
        return None
    link = live[0]
    if link._state != TaskState.COMPLETED or isinstance(link.task_spec, UnstructuredJoin):
        return None
    return link


def _droppable_subtrees(root: Any) -> set[Any]:
    """Ids of the tasks whose whole subtree is finished and holds no join (``_droppable``, for every task
    in one pass)."""
    order, stack = [], [root]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(task.children)
    droppable: set[Any] = set()
    for task in reversed(order):  # children before their parents
        if (
            task.has_state(TaskState.FINISHED_MASK)
            and not isinstance(task.task_spec, UnstructuredJoin)
            and all(child_id in droppable for child_id in task._children)
        ):
            droppable.add(task.id)
    return droppable


def _compact_tree(tree_owner: Any, top: Any) -> int:
    root = tree_owner.task_tree
    removed = 0
    while True:
        kids = root.children
        if len(kids) != 1:
            break
        candidate = kids[0]
        if not candidate.has_state(TaskState.FINISHED_MASK):
            break
        grandchildren = candidate.children
        live = [g for g in grandchildren if not _droppable(g)]
        if len(live) > 1:
            live = _without_fired_arrivals(live)
        if len(live) != 1 or not live[0].has_state(TaskState.FINISHED_MASK):
            break
        keep = live[0]
        for other in grandchildren:
            if other is not keep:
                removed += _remove_subtree(tree_owner, top, other)
        removed += _forget(tree_owner, top, candidate)
        root._children = [keep.id]
        keep._parent = root.id
    if removed and tree_owner.last_task is not None and tree_owner.last_task.id not in tree_owner.tasks:
        tree_owner.last_task = None
    return removed


def _without_fired_arrivals(branches: list[Any]) -> list[Any]:
    """``branches`` (children of one finished split) less the finished ones whose join tasks are arrivals at
    joins the one unfinished branch has already fired — a parallel gateway inside a loop leaves one such
    branch per round (the arrival that waited, cancelled when the last one fired the join).

    Only then is a finished join task history: SpiffWorkflow also marks arrivals of a join that has *not*
    fired yet as cancelled (a join of three branches cancels the first arrival's task when the second one
    waits), and those must stay, so the join is required to have fired on the unfinished branch's chain.
    """
    unfinished = [branch for branch in branches if not _all_finished(branch)]
    if len(unfinished) != 1:
        return branches
    fired = _joins_fired_on_chain(unfinished[0])
    if not fired:
        return branches
    return [b for b in branches if b is unfinished[0] or not _droppable(b, fired)]


def _all_finished(task: Any) -> bool:
    return all(t.has_state(TaskState.FINISHED_MASK) for t in _subtree(task))


def _joins_fired_on_chain(task: Any) -> frozenset[Any]:
    """Specs of the completed joins on the chain from ``task`` down to its first fork or unfinished task."""
    fired = set()
    current = task
    while current is not None and current._state == TaskState.COMPLETED:
        if isinstance(current.task_spec, UnstructuredJoin):
            fired.add(current.task_spec)
        children = current.children
        current = children[0] if len(children) == 1 else None
    return frozenset(fired)


def _subtree(task: Any) -> list[Any]:
    out, stack = [], [task]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(current.children)
    return out


def _droppable(task: Any, fired: frozenset[Any] = frozenset()) -> bool:
    """A finished branch that no future step reads: no join arrivals inside, except arrivals at the joins
    ``fired`` (see ``_without_fired_arrivals``)."""
    stack = [task]
    while stack:  # stops at the first live task (usually ``task`` itself) instead of listing the branch
        current = stack.pop()
        if not current.has_state(TaskState.FINISHED_MASK):
            return False
        if isinstance(current.task_spec, UnstructuredJoin) and current.task_spec not in fired:
            return False
        stack.extend(current.children)
    return True


def _remove_subtree(tree_owner: Any, top: Any, task: Any) -> int:
    count = 0
    for t in _subtree(task):
        count += _forget(tree_owner, top, t)
    return count


def _forget(tree_owner: Any, top: Any, task: Any) -> int:
    if task.id in top.subprocesses:
        top.delete_subprocess(task)
    tree_owner.tasks.pop(task.id, None)
    top.event_manager.remove_task(task)
    return 1


# SpiffWorkflow's task iterator (``get_tasks``, ``is_completed``, ``do_engine_steps``) stops descending at
# this depth: a task below it is invisible, so a ready task there is never run and nothing says so.
ITERATOR_MAX_DEPTH = 1000


def beyond_walk_limit(workflow: Any) -> bool:
    """Whether part of the task tree lies at or below the depth SpiffWorkflow's iterator stops at."""
    if task_count(workflow) < ITERATOR_MAX_DEPTH:
        # Every level holds at least one task, so a tree of fewer tasks than the limit is never that
        # deep: the usual case, answered without walking the tree.
        return False
    return tree_depth(workflow) >= ITERATOR_MAX_DEPTH


def tree_depth(workflow: Any) -> int:
    """The deepest level of the task tree as SpiffWorkflow's iterator counts it (subprocesses included)."""
    top = workflow
    deepest = 0
    stack: list[tuple[Any, int]] = [(workflow.task_tree, 0)]
    while stack:
        task, depth = stack.pop()
        deepest = max(deepest, depth)
        subprocess = top.subprocesses.get(task.id)
        if subprocess is not None:
            stack.append((subprocess.task_tree, depth + 1))
        stack.extend((child, depth + 1) for child in task.children)
    return deepest
