"""What a parallel or inclusive join passes on (engine.join_data): each branch's own changes since the split,
in arrival order, never a branch's stale copy of a variable another branch changed, nor an earlier round's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import join_data

LOOP = Path(__file__).resolve().parents[2] / "integration" / "engine" / "bpmn" / "rt_loop_with_parallel.bpmn"


def _script(task_id: str, script: str, incoming: str, outgoing: str) -> str:
    return (
        f'<bpmn:scriptTask id="{task_id}"><bpmn:incoming>{incoming}</bpmn:incoming>'
        f"<bpmn:outgoing>{outgoing}</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>"
    )


def _user(task_id: str, incoming: str, outgoing: str) -> str:
    return (
        f'<bpmn:userTask id="{task_id}"><bpmn:incoming>{incoming}</bpmn:incoming>'
        f"<bpmn:outgoing>{outgoing}</bpmn:outgoing></bpmn:userTask>"
    )


def _flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    body = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>'


def split_and_join(gateway: str, branches: dict[str, str], conditions: dict[str, str] | None = None) -> str:
    """Start -> Init (x = 0, y = 0, gone = 1) -> split -> one user task + one script task per branch -> join
    -> Done (user task). The user tasks let a test choose the order the branches arrive in."""
    conditions = conditions or {}
    parts = [
        '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>',
        _script("Init", "x = 0\ny = 0\ngone = 1", "f0", "f1"),
        _flow("f0", "StartEvent_1", "Init"),
        _flow("f1", "Init", "Split"),
        f'<bpmn:{gateway} id="Split"><bpmn:incoming>f1</bpmn:incoming>'
        + "".join(f"<bpmn:outgoing>s_{name}</bpmn:outgoing>" for name in branches)
        + f"</bpmn:{gateway}>",
        f'<bpmn:{gateway} id="Join">'
        + "".join(f"<bpmn:incoming>j_{name}</bpmn:incoming>" for name in branches)
        + f"<bpmn:outgoing>f2</bpmn:outgoing></bpmn:{gateway}>",
        _user("Done", "f2", "f3"),
        '<bpmn:endEvent id="EndEvent_1"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>',
        _flow("f2", "Join", "Done"),
        _flow("f3", "Done", "EndEvent_1"),
    ]
    for name, script in branches.items():
        parts += [
            _flow(f"s_{name}", "Split", f"Wait_{name}", conditions.get(name)),
            _user(f"Wait_{name}", f"s_{name}", f"m_{name}"),
            _flow(f"m_{name}", f"Wait_{name}", f"Do_{name}"),
            _script(f"Do_{name}", script, f"m_{name}", f"j_{name}"),
            _flow(f"j_{name}", f"Do_{name}", "Join"),
        ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">'
        '<bpmn:process id="joins" isExecutable="true">'
        + "".join(parts)
        + "</bpmn:process></bpmn:definitions>"
    )


def _workflow(xml: str, process_id: str = "joins") -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml.encode())
    workflow = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
    workflow.do_engine_steps()
    return workflow


def _arrive(workflow: BpmnWorkflow, *order: str) -> dict[str, Any]:
    """Let the branches arrive in ``order``; the data after the join."""
    for name in order:
        [task] = [
            t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == f"Wait_{name}"
        ]
        task.run()
        workflow.do_engine_steps()
    [done] = workflow.get_tasks(state=TaskState.READY)
    assert done.task_spec.bpmn_id == "Done"
    return {k: v for k, v in done.data.items() if k in ("x", "y", "gone", "z")}


@pytest.fixture
def spiff_own_join() -> Iterator[None]:
    join_data.uninstall()
    try:
        yield
    finally:
        join_data.install()


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_a_variable_one_branch_changed_is_not_set_back_by_the_others_copy(order: tuple[str, str]) -> None:
    workflow = _workflow(split_and_join("parallelGateway", {"a": "x = 1", "b": "y = 2"}))
    assert _arrive(workflow, *order) == {"x": 1, "y": 2, "gone": 1}


def test_spiffworkflow_alone_lets_the_last_branch_set_it_back(spiff_own_join: None) -> None:
    # Why engine.join_data exists: without it the branch arriving last brings back x = 0.
    workflow = _workflow(split_and_join("parallelGateway", {"a": "x = 1", "b": "y = 2"}))
    assert _arrive(workflow, "a", "b") == {"x": 0, "y": 2, "gone": 1}


@pytest.mark.parametrize(("order", "expected"), [(("a", "b"), 2), (("b", "a"), 1)])
def test_the_same_variable_changed_in_two_branches_takes_the_last_arrivals_value(
    order: tuple[str, str], expected: int
) -> None:
    workflow = _workflow(split_and_join("parallelGateway", {"a": "x = 1", "b": "x = 2"}))
    assert _arrive(workflow, *order)["x"] == expected


def test_a_variable_a_branch_removed_is_gone_and_a_new_one_is_kept() -> None:
    workflow = _workflow(split_and_join("parallelGateway", {"a": "del gone", "b": "z = 'new'", "c": "y = 3"}))
    assert _arrive(workflow, "c", "a", "b") == {"x": 0, "y": 3, "z": "new"}


def test_an_inclusive_join_takes_the_changes_of_the_branches_taken() -> None:
    xml = split_and_join(
        "inclusiveGateway",
        {"a": "x = 1", "b": "y = 2", "c": "x = 99"},
        conditions={"a": "True", "b": "True", "c": "False"},
    )
    workflow = _workflow(xml)
    assert _arrive(workflow, "b", "a") == {"x": 1, "y": 2, "gone": 1}


def _loop(target: int) -> dict[str, Any]:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(LOOP))
    workflow = BpmnWorkflow(parser.get_spec("rt_loop_with_parallel"))
    for task in workflow.get_tasks():
        task.data["target"] = target
    workflow.do_engine_steps()
    [check] = workflow.get_tasks(state=TaskState.READY)
    return {k: check.data[k] for k in ("rounds", "legal", "finance")}


def test_each_round_of_a_loop_joins_that_rounds_values() -> None:
    assert _loop(5) == {"rounds": 5, "legal": 5, "finance": 5}


def test_spiffworkflow_alone_keeps_the_first_rounds_value(spiff_own_join: None) -> None:
    assert _loop(5) == {"rounds": 5, "legal": 1, "finance": 5}
