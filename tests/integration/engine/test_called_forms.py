"""A user task inside a called route map takes its form from the definition that declares it (the called
map's own, pinned when the caller was deployed), whether the called map is deployed on its own or travels in
the caller's file — never from the caller's forms."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from engine.definitions import deploy
from engine.form_cache import clear_form_cache
from engine.humantasks import complete_task, task_form_schema
from engine.instances import get_instance, start_instance
from engine.runtime_errors import FormDataInvalid
from engine.task_choices import choices_for_task
from engine.task_queries import tasks_for_instance

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_{name}" '
    'targetNamespace="http://routemap.example/bpmn">'
)


def _user_task(task_id: str, name: str, form: str, incoming: str, outgoing: str) -> str:
    return (
        f'<bpmn:userTask id="{task_id}" name="{name}"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        f"<bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing></bpmn:userTask>"
    )


# The called map: its user task sits inside an embedded subprocess, so its spec is neither the caller's
# nor the called map's top process.
CALLEE_PROCESS = (
    '<bpmn:process id="cf_review" name="Review" isExecutable="true">'
    '<bpmn:startEvent id="R_start"><bpmn:outgoing>R_f1</bpmn:outgoing></bpmn:startEvent>'
    '<bpmn:subProcess id="R_inner" name="Inner"><bpmn:incoming>R_f1</bpmn:incoming>'
    "<bpmn:outgoing>R_f2</bpmn:outgoing>"
    '<bpmn:startEvent id="R_inner_start"><bpmn:outgoing>R_i1</bpmn:outgoing></bpmn:startEvent>'
    + _user_task("R_decide", "Decide", "decide.json", "R_i1", "R_i2")
    + '<bpmn:endEvent id="R_inner_end"><bpmn:incoming>R_i2</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="R_i1" sourceRef="R_inner_start" targetRef="R_decide" />'
    '<bpmn:sequenceFlow id="R_i2" sourceRef="R_decide" targetRef="R_inner_end" />'
    "</bpmn:subProcess>"
    '<bpmn:endEvent id="R_end"><bpmn:incoming>R_f2</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="R_f1" sourceRef="R_start" targetRef="R_inner" />'
    '<bpmn:sequenceFlow id="R_f2" sourceRef="R_inner" targetRef="R_end" />'
    "</bpmn:process>"
)

# The caller has a form of the same name with another schema: the called task must not take it.
CALLER_PROCESS = (
    '<bpmn:process id="cf_deal" name="Deal" isExecutable="true">'
    '<bpmn:startEvent id="D_start"><bpmn:outgoing>D_f1</bpmn:outgoing></bpmn:startEvent>'
    + _user_task("D_prepare", "Prepare", "decide.json", "D_f1", "D_f2")
    + '<bpmn:callActivity id="D_review" name="Review" calledElement="cf_review">'
    "<bpmn:incoming>D_f2</bpmn:incoming><bpmn:outgoing>D_f3</bpmn:outgoing></bpmn:callActivity>"
    '<bpmn:endEvent id="D_end"><bpmn:incoming>D_f3</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="D_f1" sourceRef="D_start" targetRef="D_prepare" />'
    '<bpmn:sequenceFlow id="D_f2" sourceRef="D_prepare" targetRef="D_review" />'
    '<bpmn:sequenceFlow id="D_f3" sourceRef="D_review" targetRef="D_end" />'
    "</bpmn:process>"
)

CALLER_FORM = {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer"}}}
CALLEE_FORM = {"type": "object", "required": ["approved"], "properties": {"approved": {"type": "boolean"}}}


def _file(name: str, *processes: str) -> str:
    return HEAD.format(name=name) + "".join(processes) + "</bpmn:definitions>"


def _run_to_the_called_task(instance_id: int) -> Any:
    [prepare] = tasks_for_instance(instance_id, open_only=True)
    assert task_form_schema(prepare.id) == CALLER_FORM
    complete_task(prepare.id, 1, {"amount": 5})
    [decide] = tasks_for_instance(instance_id, open_only=True)
    assert decide.element_id == "R_decide"
    return decide


def _complete_with_its_own_form(instance_id: int, decide: Any) -> None:
    assert task_form_schema(decide.id) == CALLEE_FORM
    assert choices_for_task(decide) == []  # reads the declaring definition's XML without failing
    with pytest.raises(FormDataInvalid) as info:
        complete_task(decide.id, 1, {"amount": 5})  # the caller's form would accept this
    assert [path for path, _message in info.value.errors] == [""]
    with pytest.raises(FormDataInvalid):
        complete_task(decide.id, 1, {"approved": "yes"})
    complete_task(decide.id, 1, {"approved": True})
    assert get_instance(instance_id).status == "completed"


def test_called_map_deployed_on_its_own_validates_its_task_with_its_own_form(any_app: Flask) -> None:
    clear_form_cache()
    callee = deploy(_file("cf_review", CALLEE_PROCESS), forms={"decide.json": CALLEE_FORM}).definition
    caller = deploy(_file("cf_deal", CALLER_PROCESS), forms={"decide.json": CALLER_FORM}).definition
    assert caller.called_definitions == {"cf_review": callee.id}
    instance = start_instance("cf_deal", started_by=1)
    decide = _run_to_the_called_task(instance.id)
    assert decide.definition_id == caller.id  # it stays the caller's instance's task
    assert decide.spec_definition_id == callee.id and decide.form_ref == f"{callee.id}/decide.json"
    _complete_with_its_own_form(instance.id, decide)


def test_called_map_in_the_callers_file_validates_its_task_with_its_form(any_app: Flask) -> None:
    clear_form_cache()
    both = _file("cf_both", CALLER_PROCESS.replace("decide.json", "prepare.json"), CALLEE_PROCESS)
    forms = {"prepare.json": CALLER_FORM, "decide.json": CALLEE_FORM}
    definition = deploy(both, forms=forms).definition
    assert definition.key == "cf_deal" and definition.called_definitions == {}
    instance = start_instance("cf_deal", started_by=1)
    decide = _run_to_the_called_task(instance.id)
    assert decide.spec_definition_id == definition.id
    _complete_with_its_own_form(instance.id, decide)
