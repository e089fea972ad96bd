"""Route-map validation on real BPMN/DMN/form fixtures: every problem kind, tied to the right element."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.operations import register_operation, unregister_operation
from engine.parsing import new_parser, task_spec_properties
from engine.problems import Problem, format_problems
from engine.validation import _spiff_parse_problems, validate_route_map
from engine.validation_checks import timer_problem

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bpmn"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def quote_forms() -> dict[str, Any]:
    names = ["deploy_quote.json", "deploy_quote_ui.json", "deploy_approve.json", "deploy_bad_schema.json"]
    return {name: json.loads(fixture_text(name)) for name in names}


@pytest.fixture(autouse=True)
def send_quote_operation() -> Iterator[None]:
    register_operation("test/send_quote", lambda **params: True)
    yield
    unregister_operation("test/send_quote")


def codes_by_element(problems: list[Problem]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for problem in problems:
        found.setdefault(problem.element_id, set()).add(problem.code)
    return found


def test_valid_route_map_has_no_problems_and_names_its_main_process() -> None:
    report = validate_route_map(fixture_text("deploy_quote_approval.bpmn"), forms=quote_forms())
    assert report.problems == []
    assert report.main_process_id == "deploy_quote_approval"
    assert report.main_process_name == "Quote approval"


def test_every_problem_is_reported_together_on_its_element() -> None:
    report = validate_route_map(fixture_text("deploy_many_problems.bpmn"), forms=quote_forms())
    assert codes_by_element(report.problems) == {
        "Task_unknown_op": {"unknown-operation"},
        "Task_missing_form": {"form-missing"},
        "Task_bad_form": {"form-invalid"},
        "Timer_unquoted": {"timer-not-quoted"},
        "Timer_bad_python": {"timer-syntax"},
        "Gateway_bare": {"gateway-unconditioned"},
        "Task_dead_end": {"no-outgoing"},
        "Flow_cond_broken": {"condition-syntax"},
        "Task_orphan": {"unreachable"},
        "Gateway_complex": {"unsupported-element", "unreachable"},
        "End_orphan": {"unreachable"},
    }
    by_id = {p.element_id: p for p in report.problems}
    assert by_id["Task_unknown_op"].element_name == "Call nobody"
    assert "'PT4H'" in by_id["Timer_unquoted"].message
    assert "Flow_bare_left" in by_id["Gateway_bare"].message


def test_missing_message_reference_is_a_problem_not_a_traceback() -> None:
    report = validate_route_map(fixture_text("deploy_missing_message_ref.bpmn"))
    assert [(p.code, p.element_id) for p in report.problems] == [("missing-reference", "Catch_reply")]
    assert "Message_does_not_exist" in report.problems[0].message


def test_spiffworkflow_crash_on_missing_reference_becomes_a_problem_on_the_element() -> None:
    # SpiffWorkflow 3.2.0 raises TypeError inside its parser here; the parser step must report, not raise.
    from engine.parsing import read_xml

    problems = _spiff_parse_problems(new_parser(), read_xml(fixture_text("deploy_missing_message_ref.bpmn")))
    assert [(p.code, p.element_id) for p in problems] == [("parser", "Catch_reply")]
    assert problems[0].message.startswith("the engine could not read this element")


def test_parser_only_problem_is_reported_with_its_element() -> None:
    # A loop without loopMaximum or loopCondition is caught by SpiffWorkflow's parser, not by our checks.
    xml = fixture_text("deploy_callee.bpmn").replace(
        "<bpmn:incoming>Flow_c1</bpmn:incoming>\n      <bpmn:outgoing>Flow_c2</bpmn:outgoing>",
        "<bpmn:incoming>Flow_c1</bpmn:incoming>\n      <bpmn:outgoing>Flow_c2</bpmn:outgoing>\n"
        "      <bpmn:standardLoopCharacteristics />",
    )
    problems = validate_route_map(xml).problems
    assert [(p.code, p.element_id) for p in problems] == [("parser", "Task_callee_work")]
    assert "loopMaximum" in problems[0].message


def test_malformed_xml_is_one_problem_with_line_and_column() -> None:
    xml = fixture_text("deploy_callee.bpmn").replace("</bpmn:manualTask>", "</bpmn:manualTsk>")
    problems = validate_route_map(xml).problems
    assert len(problems) == 1
    assert problems[0].code == "malformed-xml"
    assert problems[0].line == 10 and problems[0].column is not None
    assert "line 10" in problems[0].message


def test_a_document_that_is_not_bpmn_is_rejected() -> None:
    problems = validate_route_map("<definitions><process id='x'/></definitions>").problems
    assert [p.code for p in problems] == ["not-bpmn"]


def test_schema_violation_is_reported_on_the_nearest_element_with_an_id() -> None:
    xml = fixture_text("deploy_callee.bpmn").replace(
        '<bpmn:manualTask id="Task_callee_work"', '<bpmn:manualTask id="Task_callee_work" color="red"'
    )
    problems = validate_route_map(xml).problems
    assert [(p.code, p.element_id) for p in problems] == [("schema", "Task_callee_work")]
    assert problems[0].line == 7 and "color" in problems[0].message


@pytest.mark.parametrize(
    ("kind", "expression", "code"),
    [
        ("timeDuration", "'PT4H'", None),
        ("timeDuration", "PT4H", "timer-not-quoted"),
        ("timeDuration", "P1D", "timer-not-quoted"),
        ("timeCycle", "R3/PT1H", "timer-not-quoted"),
        ("timeDate", "2025-01-01T10:00:00", "timer-not-quoted"),
        ("timeCycle", "'R3/PT1H'", None),
        ("timeDate", "'2025-01-01T10:00:00+03:00'", None),
        ("timeDuration", "'PT4X'", "timer-invalid"),
        ("timeDuration", "'4 hours'", "timer-invalid"),
        ("timeDuration", "42", "timer-invalid"),
        ("timeDuration", "   ", "timer-invalid"),
        ("timeDuration", "reply_deadline", None),
        ("timeDuration", "'P1D' if urgent else 'P3D'", None),
        ("timeDuration", "'PT4H' +", "timer-syntax"),
    ],
)
def test_timer_expressions_are_python(kind: str, expression: str, code: str | None) -> None:
    found = timer_problem(kind, expression)
    assert (found[0] if found else None) == code


def test_elements_the_engine_cannot_run_are_listed() -> None:
    xml = fixture_text("deploy_callee.bpmn").replace("bpmn:manualTask", "bpmn:adHocSubProcess")
    xml_conditional = fixture_text("deploy_missing_message_ref.bpmn").replace(
        '<bpmn:messageEventDefinition id="MessageDef_reply" messageRef="Message_does_not_exist" />',
        '<bpmn:conditionalEventDefinition id="Cond_1"><bpmn:condition xsi:type="bpmn:tFormalExpression">'
        "ready</bpmn:condition></bpmn:conditionalEventDefinition>",
    )
    assert [(p.code, p.element_id) for p in validate_route_map(xml).problems] == [
        ("unsupported-element", "Task_callee_work")
    ]
    assert [(p.code, p.element_id) for p in validate_route_map(xml_conditional).problems] == [
        ("unsupported-element", "Catch_reply")
    ]


def test_service_task_without_operator_is_reported() -> None:
    xml = fixture_text("deploy_quote_approval.bpmn").replace(
        'serviceTaskOperator id="test/send_quote"', 'serviceTaskOperator id=""'
    )
    problems = validate_route_map(xml, forms=quote_forms()).problems
    assert [(p.code, p.element_id) for p in problems] == [("service-operation-missing", "Task_send_quote")]


def test_our_task_properties_are_checked() -> None:
    xml = (
        fixture_text("deploy_quote_approval.bpmn")
        .replace('value="PT4H working"', 'value="4 working hours"')
        .replace('name="priority" value="high"', 'name="priority" value="soon"')
        .replace('value="initiator_id"', 'value="initiator id"')
    )
    problems = validate_route_map(xml, forms=quote_forms()).problems
    assert {(p.code, p.element_id) for p in problems} == {("property-invalid", "Task_prepare_quote")}
    assert sorted(p.message.split()[0] for p in problems) == ["assignee", "priority", "sla"]


def test_business_rule_needs_its_decision_table() -> None:
    xml = fixture_text("deploy_discount_rule.bpmn")
    dmn = {"deploy_discount_decision.dmn": fixture_text("deploy_discount_decision.dmn")}
    assert validate_route_map(xml, dmn).problems == []
    missing = validate_route_map(xml).problems
    assert [(p.code, p.element_id) for p in missing] == [("decision-missing", "Task_discount")]


def test_a_malformed_decision_table_is_reported_with_its_file() -> None:
    broken = fixture_text("deploy_discount_decision.dmn").replace("</decisionTable>", "")
    problems = validate_route_map(
        fixture_text("deploy_discount_rule.bpmn"), {"discount.dmn": broken}
    ).problems
    assert ("malformed-xml", "discount.dmn") in {(p.code, p.file) for p in problems}
    assert ("decision-missing", "Task_discount") in {(p.code, p.element_id) for p in problems}


def test_call_activity_to_another_key_must_be_deployed() -> None:
    xml = fixture_text("deploy_caller.bpmn")
    problems = validate_route_map(xml).problems
    assert [(p.code, p.element_id) for p in problems] == [("called-process-missing", "Call_callee")]
    report = validate_route_map(xml, called_process_exists=lambda key: key == "deploy_callee")
    assert report.problems == [] and report.external_calls == ["deploy_callee"]


def test_called_process_of_the_same_file_is_not_a_main_process() -> None:
    report = validate_route_map(fixture_text("deploy_main_with_local_call.bpmn"))
    assert report.problems == [] and report.main_process_id == "deploy_main_with_local_call"
    assert report.external_calls == []


def test_several_uncalled_executable_processes_are_refused() -> None:
    xml = fixture_text("deploy_main_with_local_call.bpmn").replace(
        'calledElement="deploy_local_credit_check"', 'calledElement="deploy_callee"'
    )
    report = validate_route_map(xml, called_process_exists=lambda key: True)
    assert [p.code for p in report.problems] == ["several-main-processes"]
    assert "deploy_local_credit_check" in report.problems[0].message


def test_implicit_split_and_missing_start_are_reported() -> None:
    xml = fixture_text("deploy_callee.bpmn").replace(
        '<bpmn:sequenceFlow id="Flow_c2"',
        '<bpmn:sequenceFlow id="Flow_c3" sourceRef="Task_callee_work" targetRef="End_callee" />\n'
        '    <bpmn:sequenceFlow id="Flow_c2"',
    )
    assert [(p.code, p.element_id) for p in validate_route_map(xml).problems] == [
        ("implicit-split", "Task_callee_work")
    ]
    no_start = fixture_text("deploy_callee.bpmn").replace("bpmn:startEvent", "bpmn:intermediateThrowEvent")
    assert ("missing-start", "deploy_callee") in {
        (p.code, p.element_id) for p in validate_route_map(no_start).problems
    }


def test_task_spec_properties_reads_form_instructions_lane_and_our_properties() -> None:
    parser = new_parser()
    parser.add_bpmn_str(fixture_text("deploy_quote_approval.bpmn").encode())
    spec = parser.get_spec("deploy_quote_approval")
    props = task_spec_properties(spec.task_specs["Task_prepare_quote"])
    assert props["form"] == "deploy_quote.json"
    assert props["ui_form"] == "deploy_quote_ui.json"
    assert props["instructions"] == "Fill in the **quote** for {{ client_name }}."
    assert props["lane"] == "Sales"
    assert (props["sla"], props["priority"], props["assignee"]) == ("PT4H working", 2, "initiator_id")
    approve = task_spec_properties(spec.task_specs["Task_approve_quote"])
    assert (approve["lane"], approve["priority"], approve["sla"], approve["instructions"]) == (
        "Managers",
        3,
        None,
        None,
    )


def test_format_problems_gives_one_line_per_problem() -> None:
    problems = [
        Problem("unknown-operation", "unknown operation 'x'", "Task_1", "Send", file="processes/a.bpmn"),
        Problem("malformed-xml", "malformed XML at line 3, column 5: oops", line=3, column=5),
    ]
    assert format_problems(problems).splitlines() == [
        "processes/a.bpmn: Task_1 (Send): unknown operation 'x' [unknown-operation]",
        "-: line 3: malformed XML at line 3, column 5: oops [malformed-xml]",
    ]


@pytest.mark.parametrize(
    ("element_id", "replaced"),
    [("Start", "Start_1"), ("End", "End_1"), ("reserved_ids.EndJoin", "Task_1")],
)
def test_ids_spiffworkflow_uses_for_its_own_steps_are_refused(element_id: str, replaced: str) -> None:
    xml = fixture_text("deploy_reserved_ids.bpmn")
    assert validate_route_map(xml).problems == []
    problems = validate_route_map(xml.replace(f'"{replaced}"', f'"{element_id}"')).problems
    assert [(p.code, p.element_id) for p in problems] == [("reserved-id", element_id)]
    assert "reserved" in problems[0].message and problems[0].element_name
