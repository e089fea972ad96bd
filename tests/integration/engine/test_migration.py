"""Migrating running instances to a newer version of their route map, and refusing unsafe migrations."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from runtime_support import APPROVAL_FORMS, FIXTURES, deploy_fixture, events_of

from engine import events as ev
from engine.humantasks import complete_task
from engine.instances import get_instance, start_instance
from engine.migration import migrate_instance
from engine.runtime_errors import MigrationRefused
from engine.task_queries import tasks_for_instance

V1 = (FIXTURES / "rt_approval.bpmn").read_text()
# v2: a notification step after approval (the instance's current step is untouched).
V2 = (
    V1.replace(
        'sourceRef="Gateway_decision" targetRef="EndEvent_1"',
        'sourceRef="Gateway_decision" targetRef="Task_notify"',
    )
    .replace(
        "<bpmn:incoming>Flow_yes</bpmn:incoming>\n    </bpmn:endEvent>",
        "<bpmn:incoming>Flow_end</bpmn:incoming>\n    </bpmn:endEvent>",
    )
    .replace(
        '<bpmn:endEvent id="EndEvent_1" name="Done">',
        '<bpmn:userTask id="Task_notify" name="Notify client"><bpmn:incoming>Flow_yes</bpmn:incoming>'
        "<bpmn:outgoing>Flow_end</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="Flow_end" sourceRef="Task_notify" targetRef="EndEvent_1" />'
        '<bpmn:endEvent id="EndEvent_1" name="Done">',
    )
)
# v3: the request step is dropped (start goes straight to approval), so instances waiting there cannot move.
V3 = (
    re.sub(r"<bpmn:userTask id=\"Task_request\".*?</bpmn:userTask>", "", V1, flags=re.S)
    .replace("<bpmn:flowNodeRef>Task_request</bpmn:flowNodeRef>", "")
    .replace('<bpmn:sequenceFlow id="Flow_2" sourceRef="Task_request" targetRef="Task_approve" />', "")
    .replace('targetRef="Task_request"', 'targetRef="Task_approve"')
    .replace(
        "<bpmn:incoming>Flow_2</bpmn:incoming>",
        "<bpmn:incoming>Flow_1</bpmn:incoming><bpmn:incoming>Flow_revise_back</bpmn:incoming>",
    )
)


def test_safe_migration_moves_the_instance_to_the_new_version(any_app: Flask) -> None:
    v1 = deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    instance = start_instance("rt_approval", data={"approver_id": 7})
    v2 = deploy_fixture("rt_approval", forms=APPROVAL_FORMS, text=V2)
    assert v2.version == 2
    migrated = migrate_instance(instance.id, user_id=5)
    assert migrated.definition_id == v2.id
    [event] = events_of(instance.id, ev.INSTANCE_MIGRATED)
    assert (event.details["from_version"], event.details["to_version"], event.user_id) == (1, 2, 5)
    complete_task(tasks_for_instance(instance.id, open_only=True)[0].id, 1, {"amount": 2}, ["sales"])
    complete_task(tasks_for_instance(instance.id, open_only=True)[0].id, 7, {"approved": True})
    assert [t.element_id for t in tasks_for_instance(instance.id, open_only=True)] == ["Task_notify"]
    assert get_instance(instance.id).definition_id == v2.id != v1.id


def test_unsafe_migration_is_refused_with_the_reason(any_app: Flask) -> None:
    v1 = deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    instance = start_instance("rt_approval", data={"approver_id": 7})
    deploy_fixture("rt_approval", forms=APPROVAL_FORMS, text=V3)
    with pytest.raises(MigrationRefused) as info:
        migrate_instance(instance.id)
    assert any("Prepare request (Task_request)" in reason for reason in info.value.reasons)
    row = get_instance(instance.id)
    assert row.definition_id == v1.id and events_of(instance.id, ev.INSTANCE_MIGRATED) == []
    with pytest.raises(MigrationRefused):
        migrate_instance(instance.id, to_definition_id=v1.id)  # already there
