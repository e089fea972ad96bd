"""The sandbox inside real SpiffWorkflow runs: a script task, a conditional gateway, a runaway script, and the
script engine re-injected after (de)serialization."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.calendar import WorkCalendar
from engine.errors import ScriptTimeLimitExceeded
from engine.sandbox import SandboxScriptEngine, make_script_engine

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bpmn"
MOSCOW = ZoneInfo("Europe/Moscow")
FRIDAY_5PM = datetime(2025, 3, 14, 17, 0, tzinfo=MOSCOW)


def load_spec(process_id: str) -> Any:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(FIXTURES / f"{process_id}.bpmn"))
    return parser.get_spec(process_id)


def start(process_id: str, script_engine: SandboxScriptEngine, **data: Any) -> BpmnWorkflow:
    workflow = BpmnWorkflow(load_spec(process_id), script_engine=script_engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    workflow.do_engine_steps()
    return workflow


def ready_task_names(workflow: BpmnWorkflow) -> list[str]:
    return [t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY)]


@pytest.mark.parametrize(
    ("amount", "stage", "expected_task"),
    [(1500, "qualified", "big_deal"), (1500, "new", "regular_deal"), (500, "qualified", "regular_deal")],
)
def test_script_task_and_gateway_condition_run_in_the_sandbox(
    amount: int, stage: str, expected_task: str
) -> None:
    engine = make_script_engine(WorkCalendar.default(), now_fn=lambda: FRIDAY_5PM)
    workflow = start("sandbox_route", engine, amount=amount, stage=stage, tags=["vip"])

    assert ready_task_names(workflow) == [expected_task]
    data = workflow.get_tasks(state=TaskState.READY)[0].data
    assert data["net"] == (round(amount * 0.9, 2) if amount > 1000 else amount)
    assert data["tags"] == ["VIP"]
    # 4 working hours from Friday 17:00 with 9–18 Mon–Fri hours: Monday 12:00.
    assert data["follow_up"] == "2025-03-17T12:00:00+03:00"


def test_a_runaway_script_fails_the_task_with_the_time_limit_error() -> None:
    workflow = BpmnWorkflow(load_spec("sandbox_runaway"), script_engine=SandboxScriptEngine(time_limit=0.2))
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert isinstance(caught.value.__cause__, ScriptTimeLimitExceeded)
    assert "ScriptTimeLimitExceeded" in str(caught.value)
    assert caught.value.line_number == 3
    assert caught.value.error_line.strip() == "counter += 1"


def test_script_engine_must_be_injected_again_after_deserialization() -> None:
    engine = make_script_engine(WorkCalendar.default(), now_fn=lambda: FRIDAY_5PM)
    workflow = BpmnWorkflow(load_spec("sandbox_route"), script_engine=engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(amount=2000, stage="qualified", tags=[])
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    assert not isinstance(restored.script_engine, SandboxScriptEngine)  # the trap: back to plain eval/exec

    later = FRIDAY_5PM + timedelta(days=3)  # Monday 17:00 → 4 working hours later is Tuesday 12:00
    restored.script_engine = make_script_engine(WorkCalendar.default(), now_fn=lambda: later)
    restored.do_engine_steps()
    assert ready_task_names(restored) == ["big_deal"]
    assert restored.get_tasks(state=TaskState.READY)[0].data["follow_up"] == "2025-03-18T12:00:00+03:00"
