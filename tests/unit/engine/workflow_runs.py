"""Real .bpmn fixtures run in memory (no database), stopping after every step, for tests that compare the
engine's own tree helpers with SpiffWorkflow's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.sandbox import make_script_engine
from engine.timers import force_fire

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"

# fixture -> (start data, data for the user tasks by element id)
RUNS: dict[str, tuple[dict[str, Any], dict[str, dict[str, Any]]]] = {
    "rt_constructs": (
        {"amount": 150000, "signers": ["ann", "bob"], "offices": ["msk", "spb", "kzn"]},
        {"Sign": {"signature": "ok"}, "Notify": {"ack": True}},
    ),
    "rt_errors": ({}, {"Assess": {"verdict": "big"}}),
    "rt_timers": ({}, {}),
    "rt_event_gateway": ({}, {}),
    "rt_messages": ({}, {}),
    "rt_parallel_loop": ({"target": 5}, {}),
    "rt_loop": ({"target": 4}, {}),
    "rt_approval": ({"approver_id": 7}, {"Task_request": {"amount": 5}, "Task_approve": {"approved": True}}),
}


def new_workflow(name: str) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    if name == "rt_constructs":
        parser.add_dmn_file(str(FIXTURES / "rt_discount.dmn"))
    parser.add_bpmn_file(str(FIXTURES / f"{name}.bpmn"))
    engine = make_script_engine(now_fn=lambda: datetime(2025, 3, 3, 10, 0, tzinfo=UTC))
    return BpmnWorkflow(
        parser.get_spec(name),
        parser.get_subprocess_specs(name, require_call_activity_specs=False),
        script_engine=engine,
    )


def stepped(name: str, max_steps: int = 40) -> Iterator[BpmnWorkflow]:
    """The workflow of ``name`` after its start and after each completed user task (the first ready one,
    in tree order); when only waits remain, a waiting message or timer event is fired instead."""
    start_data, task_data = RUNS[name]
    workflow = new_workflow(name)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(start_data)
    workflow.do_engine_steps()
    yield workflow
    for _ in range(max_steps):
        ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        if ready:
            task = ready[0]
            task.data.update(task_data.get(task.task_spec.bpmn_id, {}))
            task.run()
        elif not _fire_a_wait(workflow):
            return
        workflow.do_engine_steps()
        workflow.refresh_timers()
        yield workflow
        if workflow.is_completed():
            return


def _fire_a_wait(workflow: BpmnWorkflow) -> bool:
    waiting = list(workflow.event_manager.tasks.values())
    for task in waiting:
        definition = getattr(task.task_spec, "event_definition", None)
        if definition is None or not task.has_state(TaskState.WAITING):
            continue
        events = getattr(definition, "event_definitions", [definition])
        for event_definition in events:
            if type(event_definition).__name__ in ("MessageEventDefinition", "SignalEventDefinition"):
                workflow.catch(BpmnEvent(event_definition, {"note": "fired"}))
                return True
            if "Timer" in type(event_definition).__name__:
                force_fire(task)
                return True
    return False
