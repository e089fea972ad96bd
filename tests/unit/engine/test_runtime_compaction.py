"""History compaction and spec-less serialization on plain SpiffWorkflow workflows (no database)."""

from __future__ import annotations

from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.compaction import compact_history
from engine.serialization import dump_state, load_state

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"


def _workflow(name: str) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(FIXTURES / f"{name}.bpmn"))
    return BpmnWorkflow(parser.get_spec(name), parser.get_subprocess_specs(name))


def _complete_ready_user_task(workflow: BpmnWorkflow, **data: object) -> None:
    [task] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def _run_loop(rounds: int, compact: bool) -> tuple[BpmnWorkflow, int]:
    workflow = _workflow("rt_loop")
    workflow.task_tree.data["target"] = rounds
    workflow.get_tasks(state=TaskState.READY)[0].data["target"] = rounds
    workflow.do_engine_steps()
    for _ in range(rounds):
        _complete_ready_user_task(workflow)
        if compact:
            compact_history(workflow)
    return workflow, len(workflow.tasks)


def test_compaction_keeps_a_long_loop_small_and_correct() -> None:
    compacted, size = _run_loop(200, compact=True)
    uncompacted, full_size = _run_loop(200, compact=False)
    assert compacted.is_completed() and uncompacted.is_completed()
    assert compacted.data["rounds"] == uncompacted.data["rounds"] == 200
    assert size < 20 < full_size  # the uncompacted tree holds every round


def test_boundary_event_bookkeeping_survives_compaction() -> None:
    workflow = _workflow("rt_timers")  # boundary events: split/join bookkeeping around the user task
    workflow.do_engine_steps()
    compact_history(workflow)
    _complete_ready_user_task(workflow)
    compact_history(workflow)
    assert workflow.is_completed()


def test_state_without_spec_round_trips() -> None:
    workflow = _workflow("rt_approval")
    workflow.do_engine_steps()
    _complete_ready_user_task(workflow, amount=3, approver_id=2)
    state = dump_state(workflow)
    assert '"spec"' not in state and '"subprocess_specs"' not in state
    again = load_state(state, workflow.spec, workflow.subprocess_specs, workflow.script_engine)
    assert dump_state(again) == state
    assert [t.task_spec.name for t in again.get_tasks(state=TaskState.READY)] == ["Task_approve"]
