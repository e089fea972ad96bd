"""The route-map editor in a real browser: open a deployed map, add a user task with a two-field form and an
SLA, connect it, save with a deliberate error (shown on the element), fix it, deploy version 2, see it in the
history and the diff, and start an instance on it that waits on the new task with its form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm.accounts import services as accounts
from engine.db import db
from engine.definitions import deploy, find_definition
from engine.operations import register_operation, unregister_operation
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

DESIGNER, PASSWORD = "dana", "dana-password-1"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn"
QUOTE_FORMS = {
    name: json.loads((FIXTURES / name).read_text())
    for name in ("deploy_quote.json", "deploy_quote_ui.json", "deploy_approve.json")
}


@pytest.fixture
def quote_map(live_app):
    register_operation(
        "test/send_quote",
        lambda quote_id=None: True,
        {"type": "object", "properties": {"quote_id": {"type": "integer"}}},
    )
    with live_app.app_context():
        # A designer of our own: the demo data's accounts are not this test's subject.
        accounts.create_user(DESIGNER, "Dana Designer", PASSWORD, roles=["designer"])
        deploy((FIXTURES / "deploy_quote_approval.bpmn").read_text(), forms=QUOTE_FORMS, comment="shipped")
        db.session.remove()
    yield "deploy_quote_approval"
    unregister_operation("test/send_quote")


def open_editor(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-editor-ready=true]")


def select(page, element_id):
    page.evaluate(
        "id => { const m = routeMapEditor.modeler; m.get('selection').select(m.get('elementRegistry').get(id)); }",
        element_id,
    )


def element_ids(page):
    return page.evaluate("() => routeMapEditor.modeler.get('elementRegistry').getAll().map(e => e.id)")


def center(page, element_id):
    box = page.locator(f"g.djs-element[data-element-id={element_id}] > .djs-hit").first.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def click_element(page, element_id):
    """Click a diagram element where a designer would: the middle of its shape."""
    page.mouse.click(*center(page, element_id))


def change(page, selector, value):
    """Type into a panel input and leave it (the panel writes on `change`)."""
    page.fill(selector, value)
    page.dispatch_event(selector, "change")


def test_designer_adds_a_task_with_form_and_sla_fixes_a_problem_and_deploys_version_2(
    page, live_server, live_app, quote_map
):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "favicon" not in msg.location.get("url", "")
            else None
        ),
    )
    log_in(page, live_server, DESIGNER, PASSWORD)
    page.goto(f"{live_server}/processes/")
    page.click(f"[data-testid=edit-{quote_map}]")
    page.wait_for_selector("body[data-editor-ready]", state="attached")
    assert page.get_attribute("body", "data-editor-ready") == "true", errors
    assert page.locator("[data-testid=panel-element-id]").inner_text() == "Collaboration_quote"

    # Take the start event's flow away, append a task to the start event from its context pad,
    # make it a user task, and connect it to "Prepare quote".
    page.evaluate(
        "() => { const m = routeMapEditor.modeler; const r = m.get('elementRegistry');"
        " m.get('modeling').removeElements([r.get('Flow_start')]); }"
    )
    ids_before = set(element_ids(page))
    click_element(page, "Start_quote")
    page.click(".djs-context-pad [data-action='append.append-task']")
    page.keyboard.press("Escape")  # leave the label editor the new task opens with
    [task_id] = [i for i in element_ids(page) if i.startswith("Activity_") and i not in ids_before]
    select(page, task_id)
    page.click(".djs-context-pad [data-action='replace']")
    page.click("[data-id='replace-with-user-task']")
    [new_id] = [i for i in element_ids(page) if i.startswith("Activity_") and i not in ids_before]
    # Auto-placement put it on top of "Prepare quote": drag it down into the free part of the Managers lane.
    task = center(page, new_id)
    lane = page.locator("g.djs-element[data-element-id=Lane_managers] > .djs-hit").first.bounding_box()
    page.mouse.move(*task)
    page.mouse.down()
    page.mouse.move(task[0] + 20, task[1] + 20, steps=4)
    page.mouse.move(task[0] + 20, lane["y"] + lane["height"] / 2, steps=8)
    page.mouse.up()
    select(page, new_id)
    page.click(".djs-context-pad [data-action='connect']")
    click_element(page, "Task_prepare_quote")
    connected = page.evaluate(
        "id => routeMapEditor.modeler.get('elementRegistry').get(id).outgoing.map(f => f.target.id)", new_id
    )
    assert connected == ["Task_prepare_quote"]

    select(page, new_id)
    assert page.locator("[data-testid=panel-type]").inner_text() == "UserTask"
    assert page.locator("[data-testid=panel-lane]").inner_text() == "Managers"
    change(page, "[data-bind=name]", "Check the request")
    page.click("[data-action=add-field]")
    page.fill("[data-testid=form-field] >> nth=0 >> [data-field=label]", "Client answer")
    page.click("[data-action=add-field]")
    page.fill("[data-testid=form-field] >> nth=1 >> [data-field=label]", "Discount")
    page.select_option("[data-testid=form-field] >> nth=1 >> [data-field=type]", "money")
    page.check("[data-testid=form-field] >> nth=1 >> [data-field=required]")
    assert page.locator("[data-preview-field]").count() == 2
    assert page.locator("[data-preview-field=discount] input[type=number]").count() == 1
    change(page, "[data-bind=sla-amount]", "2")
    page.select_option("[data-bind=sla-unit]", "hours")
    page.select_option("[data-bind=sla-mode]", "working")
    change(page, "[data-bind=assignee]", "manager_id +")  # the deliberate error
    screenshot(page, "editor-panel-form")

    page.click("[data-testid=save]")
    page.wait_for_selector(f"[data-testid=problems] [data-element-id={new_id}]")
    problems = page.locator("[data-testid=problems] li")
    assert problems.count() == 1
    assert "assignee expression" in problems.first.inner_text()
    assert page.locator(f"g.djs-element.rm-has-problem[data-element-id={new_id}]").count() == 1
    assert page.locator(f".rm-problem-badge[data-problem-for={new_id}]").count() == 1
    screenshot(page, "editor-problem-on-element")

    page.keyboard.press("Escape")
    problems.first.click()  # selects the element the problem is about
    assert page.locator("[data-testid=panel-element-id]").inner_text() == new_id
    assert "assignee expression" in page.locator("[data-testid=panel-problems]").inner_text()
    change(page, "[data-bind=assignee]", "")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=editor-status]:has-text('no problems')")
    assert page.locator(".rm-has-problem").count() == 0

    page.click("[data-testid=deploy]")
    page.fill("[data-testid=deploy-comment]", "Check the request first")
    page.click("[data-testid=deploy-confirm]")
    page.wait_for_selector("[data-testid=editor-status]:has-text('version 2 deployed')")

    with live_app.app_context():
        v2 = find_definition(quote_map, 2)
        assert v2 is not None and v2.comment == "Check the request first"
        form_name = f"{new_id}.json"
        assert v2.forms[form_name]["properties"] == {
            "client_answer": {"type": "string", "title": "Client answer"},
            "discount": {"type": "number", "x-widget": "money", "title": "Discount"},
        }
        assert v2.forms[form_name]["required"] == ["discount"]
        assert 'name="sla" value="PT2H working"' in v2.bpmn_xml
        assert "assignee" not in v2.bpmn_xml.split(f'id="{new_id}"')[1].split("</bpmn:userTask>")[0]
        v2_id = v2.id
        db.session.remove()

    page.click("[data-testid=deployed-link]")
    page.wait_for_selector("[data-testid=history-table]")
    row = page.locator("[data-testid=history-table] tr[data-version='2']")
    assert row.locator("[data-testid=deployed-by]").inner_text() == "Dana Designer"
    assert row.locator("[data-testid=comment]").inner_text() == "Check the request first"
    screenshot(page, "editor-history")

    page.click("[data-testid=compare]")
    page.wait_for_selector("body[data-diff-ready=true]")
    assert page.locator(f"[data-diff-kind=added] [data-element-id={new_id}]").count() == 1
    assert page.locator(f"#rm-diff-new g.rm-diff-added[data-element-id={new_id}]").count() == 1
    assert page.locator("#rm-diff-old g.rm-diff-removed[data-element-id=Flow_start]").count() == 1
    screenshot(page, "editor-diff")

    try:
        from engine.instances import start_instance
        from engine.task_queries import tasks_for_instance
    except ImportError:  # the runtime has not landed: the editor's part ends at deploy
        return
    with live_app.app_context():
        instance = start_instance(definition_id=v2_id, data={"client_name": "ACME"})
        tasks = tasks_for_instance(instance.id, open_only=True)
        assert [(t.element_id, t.element_name, t.form_name) for t in tasks] == [
            (new_id, "Check the request", f"{new_id}.json")
        ]
        db.session.remove()


def test_condition_timer_and_service_builders_write_what_the_engine_reads(page, live_server, live_app):
    register_operation(
        "test/notify",
        lambda text, user_id: True,
        {
            "type": "object",
            "properties": {"text": {"type": "string", "title": "Text"}, "user_id": {"type": "integer"}},
            "required": ["text"],
        },
        description="Notify a user",
    )
    try:
        with live_app.app_context():
            accounts.create_user(DESIGNER, "Dana Designer", PASSWORD, roles=["designer"])
            db.session.remove()
        log_in(page, live_server, DESIGNER, PASSWORD)
        open_editor(page, f"{live_server}/processes/new?template=ticket")
        body = "id => routeMapEditor.modeler.get('elementRegistry').get(id).businessObject"

        select(page, "Flow_solved")
        assert page.input_value("[data-cond=field]") == "solved"
        assert page.input_value("[data-cond=value]") == "true"
        change(page, "[data-cond=field]", "rating")
        page.select_option("[data-cond=op]", ">=")
        change(page, "[data-cond=value]", "4")
        assert page.evaluate(f"id => ({body})(id).conditionExpression.body", "Flow_solved") == "rating >= 4"
        page.select_option("[data-cond=op]", "in")
        change(page, "[data-cond=value]", "good, fine")
        assert page.locator("[data-testid=condition-expression]").inner_text() == "rating in ['good', 'fine']"
        page.click("[data-action=expert-mode]")
        change(page, "[data-bind=condition-expression]", "rating >= 4 and not reopened")
        assert page.evaluate(f"id => ({body})(id).conditionExpression.body", "Flow_solved") == (
            "rating >= 4 and not reopened"
        )

        select(page, "Gateway_solved")
        assert page.input_value("[data-bind=default-flow]") == "Flow_not_solved"

        select(page, "Timer_client")
        assert page.input_value("[data-timer=kind]") == "duration"
        assert page.input_value("[data-timer=mode]") == "working"
        change(page, "[data-timer=duration]", "PT3H")
        assert page.locator("[data-testid=timer-expression]").inner_text() == "timeDate: working_time('PT3H')"
        page.select_option("[data-timer=mode]", "calendar")
        assert page.locator("[data-testid=timer-expression]").inner_text() == "timeDuration: 'PT3H'"

        # A service task: change "Confirm with the client" into one and pick the operation.
        select(page, "Task_confirm")
        page.click(".djs-context-pad [data-action='replace']")
        page.click("[data-id='replace-with-service-task']")
        select(page, "Task_confirm")
        page.select_option("[data-bind=operation]", "test/notify")
        assert "Notify a user" in page.locator("[data-testid=panel]").inner_text()
        change(page, "[data-param=text]", "'Your appeal is solved'")
        change(page, "[data-param=user_id]", "initiator_id")
        change(page, "[data-bind=result-variable]", "notified")
        page.click("[data-testid=save]")
        page.wait_for_selector("[data-testid=editor-status]:not(:has-text('checking'))")
        assert page.locator("[data-testid=problems]").inner_text() == ""
        assert page.locator("[data-testid=editor-status]").inner_text() == "no problems"
        xml = page.evaluate("async () => (await routeMapEditor.modeler.saveXML()).xml")
        assert '<spiffworkflow:serviceTaskOperator id="test/notify" resultVariable="notified">' in xml
        assert (
            '<spiffworkflow:parameter id="text" type="str" value="&#39;Your appeal is solved&#39;" />' in xml
        )
        assert '<spiffworkflow:parameter id="user_id" type="int" value="initiator_id" />' in xml
        assert "<bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">'PT3H'</bpmn:timeDuration>" in xml
    finally:
        unregister_operation("test/notify")
