"""``refresh_state`` turns the workflow a state was dumped from into exactly what ``load_state`` gives for
that state — whatever scripts, forms or callers changed in place after the dump — and refuses a workflow
whose tree moved on. This is what lets the engine reuse a committed step's workflow (engine.workflow_cache)."""

from __future__ import annotations

from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from workflow_runs import RUNS, new_workflow, stepped

from engine.compaction import compact_history
from engine.serialization import DumpMemo, dump_state, load_state, refresh_state


def _strict(a: Any, b: Any, path: str = "") -> None:
    """Equal values of the same types all the way down (a tuple is not a list here)."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for key in a:
            _strict(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _strict(x, y, f"{path}[{i}]")
    elif hasattr(a, "__dict__") and a is not b:  # restored objects (events): compare what they hold
        _strict(vars(a), vars(b), path)
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _trees(workflow: BpmnWorkflow) -> list[Any]:
    return [workflow, *workflow.subprocesses.values()]


def _assert_same_as_loaded(refreshed: BpmnWorkflow, loaded: BpmnWorkflow) -> None:
    assert list(refreshed.subprocesses) == list(loaded.subprocesses)
    for mine, theirs in zip(_trees(refreshed), _trees(loaded), strict=True):
        assert list(mine.tasks) == list(theirs.tasks)
        for task_id, task in mine.tasks.items():
            other = theirs.tasks[task_id]
            assert (task._state, task._parent, task._children) == (
                other._state,
                other._parent,
                other._children,
            )
            _strict(task.data, other.data, f"{task.task_spec.name}.data")
            _strict(task.internal_data, other.internal_data, f"{task.task_spec.name}.internal_data")
        _strict(mine.data, theirs.data, "workflow.data")
        _strict(mine.correlations, theirs.correlations, "correlations")
        assert (mine.success, mine.completed) == (theirs.success, theirs.completed)
        assert (mine.last_task and mine.last_task.id) == (theirs.last_task and theirs.last_task.id)
    assert list(refreshed.event_manager.tasks) == list(loaded.event_manager.tasks)
    assert len(refreshed.bpmn_events) == len(loaded.bpmn_events)


def _scribble(workflow: BpmnWorkflow) -> None:
    """What could happen to a workflow in memory after its state was written: in-place changes of task
    data and internal data (a tuple, a list grown in place, a non-text key), of workflow data and
    correlations, a stale event-manager entry, another order of subprocesses."""
    for tree in _trees(workflow):
        for task in tree.tasks.values():
            task.data["scribble"] = (1, 2)
            for value in list(task.data.values()):
                if isinstance(value, list):
                    value.append("scribble")
            task.internal_data["scribble"] = {1: "one"}
        tree.data["scribble"] = {2: "two"}
        tree.correlations["scribble"] = "x"
        tree.last_task = None
    done = next(iter(workflow.tasks.values()))
    workflow.event_manager.tasks[done.id] = done
    workflow.bpmn_events = []
    reordered = dict(reversed(list(workflow.subprocesses.items())))
    workflow.subprocesses.clear()
    workflow.subprocesses.update(reordered)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_refreshed_workflow_is_the_loaded_one_at_every_step(name: str) -> None:
    steps = 0
    for workflow in stepped(name):
        state = dump_state(workflow)
        loaded = load_state(state, workflow.spec, workflow.subprocess_specs, workflow.script_engine)
        _scribble(workflow)
        assert refresh_state(workflow, state)
        _assert_same_as_loaded(workflow, loaded)
        assert dump_state(workflow) == state
        steps += 1  # the run goes on with the refreshed workflow
    assert steps > 1


def test_values_that_json_would_change_come_back_as_json_gives_them() -> None:
    workflow = new_workflow("rt_approval")
    [start] = workflow.get_tasks(state=TaskState.READY)
    start.data.update(approver_id=7, pair=(1, 2), nested={"items": ["a"]})
    workflow.do_engine_steps()
    state = dump_state(workflow)
    [request] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    assert isinstance(request.data["pair"], tuple)
    request.data["nested"]["items"].append("changed after the write")

    assert refresh_state(workflow, state)

    assert request.data["pair"] == [1, 2] and request.data["nested"] == {"items": ["a"]}


def test_a_workflow_that_moved_on_is_refused() -> None:
    workflow = new_workflow("rt_approval")
    workflow.get_tasks(state=TaskState.READY)[0].data["approver_id"] = 7
    workflow.do_engine_steps()
    state = dump_state(workflow)
    [request] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    request.run()  # the tree changed after the dump
    workflow.do_engine_steps()

    assert not refresh_state(workflow, state)
    assert not refresh_state(new_workflow("rt_approval"), state)  # another tree altogether
    assert not refresh_state(new_workflow("rt_loop"), state)  # another process


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_memoized_dump_writes_the_same_state_at_every_step(name: str) -> None:
    memo = DumpMemo()
    reused = 0
    for workflow in stepped(name):
        compact_history(workflow)  # as every engine step does: roots get new children, tasks go
        before = {task_id: entry[1] for task_id, entry in memo.tasks.items()}
        assert dump_state(workflow, memo) == dump_state(workflow)
        reused += sum(1 for task_id, entry in memo.tasks.items() if before.get(task_id) is entry[1])
        assert set(memo.tasks) <= set(workflow.tasks)  # nothing kept for tasks that are gone
        last = list(workflow.tasks.values())[-1]
        for changed in (last.internal_data, last.data, last.parent.data if last.parent else {}):
            changed["scribble"] = 1  # changed in place, no state change: written afresh
            assert dump_state(workflow, memo) == dump_state(workflow)
            del changed["scribble"]
    if name not in _DATA_EVERYWHERE | _SUBPROCESSES:
        assert reused  # unchanged tasks were written from the memo


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_workflow_refreshed_from_its_dump_parts_is_the_loaded_one(name: str) -> None:
    memo = DumpMemo()
    from_parts = 0
    for workflow in stepped(name):
        compact_history(workflow)
        state = dump_state(workflow, memo)
        loaded = load_state(state, workflow.spec, workflow.subprocess_specs, workflow.script_engine)
        _scribble(workflow)
        from_parts += memo.written is not None
        assert refresh_state(workflow, state, memo)
        _assert_same_as_loaded(workflow, loaded)
        assert dump_state(workflow) == state
    if name not in _SUBPROCESSES:
        assert from_parts


def test_a_workflow_that_moved_on_is_refused_by_its_dump_parts_too() -> None:
    workflow = new_workflow("rt_approval")
    workflow.get_tasks(state=TaskState.READY)[0].data["approver_id"] = 7
    workflow.do_engine_steps()
    memo = DumpMemo()
    state = dump_state(workflow, memo)
    [request] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    request.run()
    workflow.do_engine_steps()

    assert not refresh_state(workflow, state, memo)


def test_a_task_written_from_its_signature_that_changed_is_refused() -> None:
    workflow = new_workflow("rt_approval")
    workflow.get_tasks(state=TaskState.READY)[0].data["approver_id"] = 7
    workflow.do_engine_steps()
    memo = DumpMemo()
    state = dump_state(workflow, memo)
    assert memo.written is not None
    signed = [task for task, signature, _json in memo.written.parts if signature is not None]
    assert signed
    signed[-1].triggered = not signed[-1].triggered  # a change no count or order shows

    assert not refresh_state(workflow, state, memo)


def test_parts_in_another_order_are_refused() -> None:
    workflow = new_workflow("rt_approval")
    workflow.get_tasks(state=TaskState.READY)[0].data["approver_id"] = 7
    workflow.do_engine_steps()
    memo = DumpMemo()
    state = dump_state(workflow, memo)
    workflow.tasks = dict(reversed(list(workflow.tasks.items())))

    assert not refresh_state(workflow, state, memo)


# Route maps whose every task carries data from the start: none is written from the memo (still correct).
_DATA_EVERYWHERE = {"rt_loop", "rt_parallel_loop", "rt_event_gateway", "rt_timers"}
# Route maps with subprocesses: written and read back the plain way (no memo, no parts) while they run.
_SUBPROCESSES = {"rt_constructs", "rt_errors", "rt_messages"}
