"""Choices after a task and the operations a flow reaches, from BPMN XML (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.parsing import read_xml
from engine.task_choices import _parse_condition, choice_field, choices_after, operations_reached

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"


def _map(flows: str, default: str = "") -> object:
    xml = f"""<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <bpmn:process id="p" isExecutable="true">
        <bpmn:userTask id="T" /><bpmn:exclusiveGateway id="G" {default} /><bpmn:endEvent id="A" /><bpmn:endEvent id="B" />
        <bpmn:sequenceFlow id="in" sourceRef="T" targetRef="G" />
        {flows}
      </bpmn:process></bpmn:definitions>"""
    return read_xml(xml)


def _flow(fid: str, name: str, target: str, condition: str | None = None) -> str:
    cond = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    named = f' name="{name}"' if name else ""
    return (
        f'<bpmn:sequenceFlow id="{fid}"{named} sourceRef="G" targetRef="{target}">{cond}</bpmn:sequenceFlow>'
    )


def test_shipped_fixture_offers_approve_and_revision_with_the_enum_value_for_the_default():
    root = read_xml((FIXTURES / "ui_sale.bpmn").read_text(encoding="utf-8"))
    schema = {"properties": {"decision": {"type": "string", "enum": ["approve", "revise"]}}}
    choices = choices_after(root, "Approve", schema)
    assert [(c.label, c.field, c.value, c.is_default) for c in choices] == [
        ("Approve", "decision", "approve", False),
        ("Send back for revision", "decision", "revise", True),
    ]
    assert choice_field(choices) == "decision"
    assert choices_after(root, "Qualify", schema) == []  # no gateway right after it


def test_boolean_conditions_and_the_default_gets_the_other_boolean():
    root = _map(_flow("y", "Approve", "A", "approved == True") + _flow("n", "Reject", "B"), 'default="n"')
    choices = choices_after(root, "T")
    assert [(c.field, c.value) for c in choices] == [("approved", True), ("approved", False)]
    root = _map(_flow("y", "Yes", "A", "approved") + _flow("n", "No", "B", "not approved"))
    assert [(c.field, c.value) for c in choices_after(root, "T")] == [("approved", True), ("approved", False)]


@pytest.mark.parametrize(
    ("flows", "why"),
    [
        (_flow("y", "", "A", "x == 1") + _flow("n", "No", "B", "x == 2"), "an unnamed flow"),
        (_flow("y", "Yes", "A", "x == 1") + _flow("n", "No", "B", "y == 2"), "two different variables"),
        (_flow("y", "Yes", "A", "amount > 10") + _flow("n", "No", "B", "amount &lt;= 10"), "not an equality"),
        (_flow("y", "Yes", "A", "kind == 'a'") + _flow("n", "No", "B"), "a default with no free enum value"),
    ],
)
def test_no_buttons_when_the_choice_cannot_be_derived(flows, why):
    assert choice_field(choices_after(_map(flows), "T")) is None, why


def test_condition_forms():
    assert _parse_condition("'approve' == decision") == ("decision", "approve")
    assert _parse_condition("ok is True") == ("ok", True)
    assert _parse_condition("level == 3") == ("level", 3)
    assert _parse_condition("a and b")[0] is None
    assert _parse_condition("((")[0] is None


def test_operations_reached_follow_the_automatic_path_and_stop_at_the_next_wait():
    root = read_xml((FIXTURES / "ui_sale.bpmn").read_text(encoding="utf-8"))
    assert [(o.operation, o.params) for o in operations_reached(root, "F_approve")] == [
        ("crm/set_interest_stage", {"stage": "proposal"})
    ]
    assert operations_reached(root, "F_revise") == []  # straight back to a user task
    assert [o.params for o in operations_reached(root, "F2")] == [{"stage": "needs"}]
    assert operations_reached(root, "missing") == []
