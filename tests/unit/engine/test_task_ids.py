"""``TaskId`` is a UUID in every respect a workflow relies on: equal, same hash, same text, usable against
plain UUID keys, and a plain UUID again when copied or pickled."""

from __future__ import annotations

import copy
import pickle
from uuid import UUID, uuid4

from SpiffWorkflow.util.task import TaskState
from workflow_runs import stepped

from engine.serialization import dump_state, load_state
from engine.task_ids import TaskId, remember_task_ids, task_id


def test_a_task_id_is_the_same_uuid() -> None:
    plain = uuid4()
    remembered = task_id(plain)
    assert isinstance(remembered, UUID) and remembered == plain and plain == remembered
    assert hash(remembered) == hash(plain) and str(remembered) == str(plain)
    assert remembered.hex == plain.hex and f"{remembered}" == str(plain)
    assert {plain: 1}[remembered] == 1 and {remembered: 1}[plain] == 1
    assert task_id(remembered) is remembered
    for copied in (copy.copy(remembered), copy.deepcopy(remembered), pickle.loads(pickle.dumps(remembered))):
        assert type(copied) is UUID and copied == plain


def test_remembered_ids_change_nothing_a_workflow_writes() -> None:
    for workflow in stepped("rt_constructs"):
        state = dump_state(workflow)
        for owner in [workflow, *workflow.subprocesses.values()]:
            remember_task_ids(owner)
            assert all(type(key) is TaskId for key in owner.tasks)
            for task in owner.tasks.values():
                assert type(task.id) is TaskId and owner.tasks[task.id] is task
                assert all(type(child) is TaskId for child in task._children)
        assert dump_state(workflow) == state


def test_a_task_id_in_task_data_is_written_and_read_as_a_uuid() -> None:
    workflow = next(iter(stepped("rt_approval")))
    [ready] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    plain = uuid4()
    ready.data["ref"] = task_id(plain)
    state = dump_state(workflow)
    loaded = load_state(state, workflow.spec, workflow.subprocess_specs, workflow.script_engine)
    [again] = [t for t in loaded.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    assert type(again.data["ref"]) is UUID and again.data["ref"] == plain
