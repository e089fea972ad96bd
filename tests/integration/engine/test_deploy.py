"""Deploying route maps on SQLite and PostgreSQL: versions, identical content, nothing stored when invalid,
DMN, call activities, the spec cache, deploying from disk."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import func, select

from engine.db import db
from engine.definition_model import ProcessDefinition
from engine.definitions import (
    clear_spec_cache,
    deploy,
    deploy_path,
    find_definition,
    form_for,
    get_definition,
    get_specs,
    latest_definition,
    list_definitions,
    list_versions,
    validate,
)
from engine.errors import DefinitionNotFound, FormNotFound, InvalidRouteMap
from engine.operations import register_operation, unregister_operation

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bpmn"


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def quote_forms() -> dict[str, Any]:
    names = ["deploy_quote.json", "deploy_quote_ui.json", "deploy_approve.json"]
    return {name: json.loads(text(name)) for name in names}


def stored_count() -> int:
    return db.session.scalar(select(func.count(ProcessDefinition.id))) or 0


@pytest.fixture(autouse=True)
def send_quote_operation() -> Iterator[None]:
    register_operation("test/send_quote", lambda **params: True)
    clear_spec_cache()
    yield
    unregister_operation("test/send_quote")


def test_deploy_stores_version_one_then_counts_up(any_app: Flask) -> None:
    first = deploy(text("deploy_quote_approval.bpmn"), forms=quote_forms(), deployed_by=7, comment="first")
    assert first.created and (first.key, first.version) == ("deploy_quote_approval", 1)
    stored = get_definition(first.definition_id)
    assert stored.name == "Quote approval" and stored.deployed_by == 7 and stored.comment == "first"
    assert stored.forms["deploy_quote.json"]["required"] == ["amount"]
    assert len(stored.sha256) == 64 and stored.deployed_at.tzinfo is not None

    changed_forms = quote_forms() | {"deploy_approve.json": {"type": "object"}}
    second = deploy(text("deploy_quote_approval.bpmn"), forms=changed_forms)
    assert second.created and second.version == 2 and second.definition_id != first.definition_id
    assert latest_definition("deploy_quote_approval").id == second.definition_id  # type: ignore[union-attr]
    assert find_definition("deploy_quote_approval", 1).id == first.definition_id  # type: ignore[union-attr]
    assert find_definition("deploy_quote_approval", 3) is None
    assert [d.version for d in list_versions("deploy_quote_approval")] == [2, 1]


def test_identical_content_makes_no_new_version(any_app: Flask) -> None:
    first = deploy(text("deploy_quote_approval.bpmn"), forms=quote_forms())
    again = deploy(text("deploy_quote_approval.bpmn"), forms=dict(reversed(quote_forms().items())))
    assert not again.created and again.definition_id == first.definition_id and again.version == 1
    assert stored_count() == 1


def test_identical_to_an_older_version_only_still_makes_a_new_one(any_app: Flask) -> None:
    deploy(text("deploy_quote_approval.bpmn"), forms=quote_forms())
    deploy(text("deploy_quote_approval.bpmn"), forms=quote_forms() | {"extra.json": {"type": "object"}})
    third = deploy(text("deploy_quote_approval.bpmn"), forms=quote_forms())
    assert third.created and third.version == 3


def test_invalid_route_map_stores_nothing_and_lists_every_problem(any_app: Flask) -> None:
    with pytest.raises(InvalidRouteMap) as raised:
        deploy(text("deploy_many_problems.bpmn"), forms={"deploy_bad_schema.json": {"type": "money"}})
    elements = {p.element_id for p in raised.value.problems}
    assert {
        "Task_unknown_op",
        "Task_missing_form",
        "Task_bad_form",
        "Timer_unquoted",
        "Gateway_bare",
    } <= elements
    assert stored_count() == 0
    assert "invalid route map" in str(raised.value)


def test_missing_message_reference_is_reported_without_traceback(any_app: Flask) -> None:
    with pytest.raises(InvalidRouteMap) as raised:
        deploy(text("deploy_missing_message_ref.bpmn"))
    assert [(p.code, p.element_id) for p in raised.value.problems] == [("missing-reference", "Catch_reply")]
    assert not any("Error(" in p.message or "Traceback" in p.message for p in raised.value.problems)
    assert stored_count() == 0


def test_malformed_xml_stores_nothing(any_app: Flask) -> None:
    with pytest.raises(InvalidRouteMap) as raised:
        deploy(
            "<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'>\n<oops></bpmn:definitions>"
        )
    assert [(p.code, p.line) for p in raised.value.problems] == [("malformed-xml", 2)]
    assert stored_count() == 0


def test_dmn_table_deploys_and_runs(any_app: Flask) -> None:
    dmn = {"deploy_discount_decision.dmn": text("deploy_discount_decision.dmn")}
    result = deploy(text("deploy_discount_rule.bpmn"), dmn=dmn)
    assert result.created and get_definition(result.definition_id).dmn == dmn
    top, subprocesses = get_specs(result.definition_id)
    workflow = BpmnWorkflow(top, subprocesses)
    workflow.get_tasks(spec_name="Start_discount")[0].data["amount"] = 250000
    workflow.do_engine_steps()
    assert workflow.is_completed() and workflow.data["discount"] == 10


def test_call_activity_resolves_to_the_deployed_callee_and_pins_it(any_app: Flask) -> None:
    with pytest.raises(InvalidRouteMap) as raised:
        deploy(text("deploy_caller.bpmn"))
    assert [(p.code, p.element_id) for p in raised.value.problems] == [
        ("called-process-missing", "Call_callee")
    ]
    assert validate(text("deploy_caller.bpmn"))[0].code == "called-process-missing"

    callee = deploy(text("deploy_callee.bpmn"))
    assert validate(text("deploy_caller.bpmn")) == []
    caller = deploy(text("deploy_caller.bpmn"))
    assert caller.definition.called_definitions == {"deploy_callee": callee.definition_id}
    top, subprocesses = get_specs(caller.definition_id)
    assert top.name == "deploy_caller" and "deploy_callee" in subprocesses
    workflow = BpmnWorkflow(top, subprocesses)
    workflow.do_engine_steps()
    [manual] = workflow.get_tasks(spec_name="Task_callee_work")
    manual.run()
    workflow.do_engine_steps()
    assert workflow.is_completed()

    # A new callee version reaches callers when they are deployed again (same BPMN: new version, new pin).
    callee_v2 = deploy(text("deploy_callee.bpmn").replace("Do the called work", "Do the new work"))
    caller_v2 = deploy(text("deploy_caller.bpmn"))
    assert caller_v2.created and caller_v2.version == 2
    assert caller_v2.definition.called_definitions == {"deploy_callee": callee_v2.definition_id}
    assert get_specs(caller.definition_id)[1]["deploy_callee"].task_specs["Task_callee_work"].bpmn_name == (
        "Do the called work"
    )
    assert get_specs(caller_v2.definition_id)[1]["deploy_callee"].task_specs[
        "Task_callee_work"
    ].bpmn_name == ("Do the new work")


def test_called_process_of_the_same_file_is_stored_with_the_main_one(any_app: Flask) -> None:
    result = deploy(text("deploy_main_with_local_call.bpmn"))
    assert result.key == "deploy_main_with_local_call"
    assert latest_definition("deploy_local_credit_check") is None
    top, subprocesses = get_specs(result.definition_id)
    workflow = BpmnWorkflow(top, subprocesses)
    workflow.get_tasks(spec_name="Start_main")[0].data["amount"] = 1000
    workflow.do_engine_steps()
    assert workflow.is_completed() and workflow.data["credit_ok"] is True


def test_spec_cache_parses_once_and_never_serves_another_definition(any_app: Flask) -> None:
    result = deploy(text("deploy_callee.bpmn"))
    first = get_specs(result.definition_id)
    assert get_specs(result.definition_id) is first
    clear_spec_cache()
    assert get_specs(result.definition_id) is not first
    with pytest.raises(DefinitionNotFound):
        get_specs(result.definition_id + 1000)


def test_list_definitions_summarises_each_key(any_app: Flask) -> None:
    deploy(text("deploy_callee.bpmn"))
    deploy(text("deploy_callee.bpmn").replace("Do the called work", "Work v2"))
    deploy(text("deploy_quote_approval.bpmn"), forms=quote_forms())
    summaries = list_definitions()
    assert [(s.key, s.versions, s.latest_version) for s in summaries] == [
        ("deploy_callee", 2, 2),
        ("deploy_quote_approval", 1, 1),
    ]
    assert summaries[0].latest_id == latest_definition("deploy_callee").id  # type: ignore[union-attr]
    assert summaries[1].name == "Quote approval"


def test_form_for_returns_the_deployed_form(any_app: Flask) -> None:
    result = deploy(text("deploy_quote_approval.bpmn"), forms=quote_forms())
    assert form_for(result.definition_id, "deploy_approve.json")["required"] == ["approved"]
    with pytest.raises(FormNotFound):
        form_for(result.definition_id, "nope.json")
    with pytest.raises(DefinitionNotFound):
        get_definition(result.definition_id + 1000)


def copy_fixtures(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)


def test_deploy_path_picks_up_dmn_and_forms_and_deploys_callees_first(any_app: Flask, tmp_path: Path) -> None:
    processes = tmp_path / "processes"
    copy_fixtures(
        processes,
        "deploy_caller.bpmn",  # sorts before its callee: must still deploy after it
        "deploy_callee.bpmn",
        "deploy_discount_rule.bpmn",
        "deploy_discount_decision.dmn",
        "deploy_quote_approval.bpmn",
        "deploy_quote.json",
        "deploy_quote_ui.json",
        "deploy_approve.json",
    )
    results = deploy_path([processes])
    assert [r.key for r in results] == [
        "deploy_callee",
        "deploy_caller",
        "deploy_discount_rule",
        "deploy_quote_approval",
    ]
    assert all(r.created for r in results)
    by_key = {r.key: r.definition for r in results}
    assert set(by_key["deploy_discount_rule"].dmn) == {"deploy_discount_decision.dmn"}
    assert set(by_key["deploy_quote_approval"].forms) == {
        "deploy_quote.json",
        "deploy_quote_ui.json",
        "deploy_approve.json",
    }
    again = deploy_path([processes])
    assert [r.created for r in again] == [False, False, False, False]


def test_deploy_path_reports_problems_per_file_and_what_did_deploy(any_app: Flask, tmp_path: Path) -> None:
    copy_fixtures(tmp_path, "deploy_callee.bpmn", "deploy_missing_message_ref.bpmn")
    (tmp_path / "broken_form.bpmn").write_text(
        text("deploy_quote_approval.bpmn"), encoding="utf-8"
    )  # its forms are absent from the folder
    with pytest.raises(InvalidRouteMap) as raised:
        deploy_path([tmp_path])
    files = {(Path(p.file).name, p.element_id, p.code) for p in raised.value.problems}
    assert ("deploy_missing_message_ref.bpmn", "Catch_reply", "missing-reference") in files
    assert ("broken_form.bpmn", "Task_prepare_quote", "form-missing") in files
    assert [r.key for r in raised.value.deployed] == ["deploy_callee"]
    assert stored_count() == 1


def test_spec_cache_parses_once_under_concurrent_requests(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import engine.spec_cache as spec_cache

    definition_id = deploy(text("deploy_quote_approval.bpmn"), forms=quote_forms()).definition_id
    parses: list[int] = []
    real_parse = spec_cache._parse

    def counting_parse(definition: ProcessDefinition) -> Any:
        parses.append(definition.id)
        return real_parse(definition)

    monkeypatch.setattr(spec_cache, "_parse", counting_parse)
    start = threading.Barrier(8)
    results: list[Any] = []

    def ask() -> None:
        with app.app_context():
            start.wait()
            results.append(get_specs(definition_id))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert parses == [definition_id]
    assert len(results) == 8 and all(r is results[0] for r in results)
