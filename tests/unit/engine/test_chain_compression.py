"""Chain compression (engine.compaction) keeps what SpiffWorkflow reads back through the tree: with it forced
on after every step, every route map of the unit runs takes the same path to the same data; a loop beside a
waiting parallel branch stays small for thousands of rounds instead of sinking below the iterator's reach."""

from __future__ import annotations

from typing import Any

import pytest
from SpiffWorkflow.bpmn.specs.control import EventSplit
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState
from workflow_runs import RUNS, new_workflow, stepped

from engine import compaction
from engine.compaction import beyond_walk_limit, compact_history, task_count, tree_depth


def _run(name: str, *, compress: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], Any, bool]:
    monkeypatch.setattr(compaction, "CHAIN_COMPRESSION_MIN_TASKS", 0 if compress else 10**9)
    path: list[Any] = []
    workflow = None
    for workflow in stepped(name):
        path.append(
            sorted(t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING))
        )
        compact_history(workflow)
    assert workflow is not None
    return path, workflow.data, workflow.is_completed()


@pytest.mark.parametrize("name", sorted(RUNS))
def test_forced_compression_changes_nothing_a_route_map_does(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(name, compress=True, monkeypatch=monkeypatch) == _run(
        name, compress=False, monkeypatch=monkeypatch
    )


def _ancestors(task: Any) -> list[Any]:
    out, current = [], task.parent
    while current is not None:
        out.append(current.id)
        current = current.parent
    return out


def _event_splits_above(task: Any) -> list[Any]:
    out, current = [], task.parent
    while current is not None:
        if isinstance(current.task_spec, EventSplit):
            out.append(current.id)
        current = current.parent
    return out


@pytest.mark.parametrize("name", sorted(RUNS))
def test_compression_keeps_what_spiffworkflow_reads_back(name: str) -> None:
    """Unfinished tasks stay under the same parent; so does every join that stays; parallel/inclusive joins
    (which count arrivals through finished join tasks) stay unless their whole subprocess ended; an unfinished
    task keeps the boundary/start event splits above it; ancestors keep their order."""
    removed = 0
    for workflow in stepped(name):
        compaction._compact_tree(workflow, workflow)
        trees = [workflow, *workflow.subprocesses.values()]
        before = {
            task.id: (task, task._parent, _ancestors(task), _event_splits_above(task), tree.spec.name)
            for tree in trees
            for task in tree.tasks.values()
        }
        for tree in trees:
            removed += compaction._compress_chains(tree, workflow)
        living = {sub.spec.name for sub in workflow.subprocesses.values()} | {workflow.spec.name}
        after = {t.id for tree in [workflow, *workflow.subprocesses.values()] for t in tree.tasks.values()}
        for task_id, (task, parent_id, ancestors, splits, owner) in before.items():
            unfinished = not task.has_state(TaskState.FINISHED_MASK)
            if unfinished or (isinstance(task.task_spec, UnstructuredJoin) and owner in living):
                assert task_id in after, task.task_spec.name
            if task_id not in after:
                continue
            if unfinished or isinstance(task.task_spec, UnstructuredJoin):
                assert task._parent == parent_id, task.task_spec.name
            if unfinished:
                assert _event_splits_above(task) == splits, task.task_spec.name
            assert _ancestors(task) == [a for a in ancestors if a in after]
    # (rt_constructs' finished parallel branches are cut with the trunk now: their joins have fired.)
    if name in ("rt_errors", "rt_parallel_loop"):
        assert removed  # the run did give it chains to cut


def _loop_beside_a_waiting_branch(target: int) -> Any:
    workflow = new_workflow("rt_parallel_loop")
    workflow.get_tasks(state=TaskState.READY)[0].data["target"] = target
    for _ in range(20):  # what engine.stepper.advance does: run, and cut history when the tree gets too deep
        workflow.do_engine_steps()
        if not beyond_walk_limit(workflow):
            break
        assert compact_history(workflow)
    compact_history(workflow)
    return workflow


def test_a_loop_beside_a_waiting_branch_runs_1200_rounds_in_a_small_tree() -> None:
    workflow = _loop_beside_a_waiting_branch(1200)

    [wait] = workflow.get_tasks(state=TaskState.READY)
    assert wait.task_spec.bpmn_id == "Wait"
    assert task_count(workflow) < 20 and tree_depth(workflow) < 10
    [join] = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "Join"]
    assert join.parent.task_spec.bpmn_id == "More"  # the join still sees which branch arrived
    wait.run()
    workflow.do_engine_steps()
    assert workflow.is_completed() and workflow.data["rounds"] == 1200
