"""A committed step's workflow is reused by the instance's next step in the same process — and only when the
stored state is still the one it wrote: what another process wrote wins, a failed step leaves nothing
behind, and a route map runs the same with the cache as without it (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest
from flask import Flask
from runtime_support import APPROVAL_FORMS, deploy_fixture, kinds

from engine import workflow_cache
from engine.humantasks import complete_task
from engine.instances import get_instance, instance_data, start_instance
from engine.runtime_errors import StepFailed
from engine.task_queries import tasks_for_instance


def _complete_open(instance_id: int, user_id: int, data: dict[str, Any], lanes: list[str]) -> None:
    [task] = tasks_for_instance(instance_id, open_only=True)
    complete_task(task.id, user_id, data, lanes)


def _approval_run() -> tuple[list[str], list[tuple[str, str, int | None]], dict[str, Any], str]:
    """Request, rejection, revision, request again, approval; what the run left behind."""
    instance = start_instance("rt_approval", data={"approver_id": 7}, business_key="deal-1")
    _complete_open(instance.id, 1, {"amount": 5, "comment": "first"}, ["sales"])
    _complete_open(instance.id, 7, {"approved": False}, [])
    _complete_open(instance.id, 1, {}, ["sales"])  # revise
    _complete_open(instance.id, 1, {"amount": 9}, ["sales"])
    _complete_open(instance.id, 7, {"approved": True}, [])
    tasks = [(t.element_id, t.status, t.assignee_id) for t in tasks_for_instance(instance.id)]
    return kinds(instance.id), tasks, instance_data(instance.id), get_instance(instance.id).status


def test_a_route_map_runs_the_same_with_and_without_the_cache(
    any_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    workflow_cache.clear_workflow_cache()
    before = workflow_cache.workflow_cache_stats()
    with_cache = _approval_run()
    after = workflow_cache.workflow_cache_stats()
    assert after["hits"] - before["hits"] == 5  # every completion reused the previous step's workflow

    monkeypatch.setattr(workflow_cache, "WORKFLOW_CACHE_SIZE", 0)
    without_cache = _approval_run()

    assert workflow_cache.workflow_cache_stats()["hits"] == after["hits"]
    assert with_cache == without_cache
    assert with_cache[3] == "completed" and with_cache[2]["amount"] == 9


def test_what_another_process_wrote_wins(any_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    instance = start_instance("rt_approval", data={"approver_id": 7})
    _complete_open(instance.id, 1, {"amount": 5}, ["sales"])  # this process keeps the workflow
    ours = OrderedDict(workflow_cache._entries)
    assert instance.id in ours

    # Another process (its own, empty cache) completes the approval from the stored state.
    monkeypatch.setattr(workflow_cache, "_entries", OrderedDict())
    _complete_open(instance.id, 7, {"approved": False}, [])
    monkeypatch.setattr(workflow_cache, "_entries", ours)  # back in this process: stale entry
    misses = workflow_cache.workflow_cache_stats()["misses"]

    _complete_open(instance.id, 1, {"note": "revised"}, ["sales"])  # the revise task the other one opened

    assert workflow_cache.workflow_cache_stats()["misses"] == misses + 1
    assert instance_data(instance.id)["approved"] is False
    assert [t.element_id for t in tasks_for_instance(instance.id, open_only=True)] == ["Task_request"]


def test_a_failed_step_keeps_nothing_and_the_retry_starts_from_the_database(any_app: Flask) -> None:
    deploy_fixture("rt_script")
    instance = start_instance("rt_script")
    assert instance.id in workflow_cache._entries
    [enter] = tasks_for_instance(instance.id, open_only=True)

    with pytest.raises(StepFailed):
        complete_task(enter.id, 1, {"amount": 10, "divisor": 0})  # the script divides by zero

    assert instance.id not in workflow_cache._entries  # the half-run workflow was thrown away
    complete_task(enter.id, 1, {"amount": 10, "divisor": 4})
    assert instance_data(instance.id)["share"] == 2.5
    assert [t.element_id for t in tasks_for_instance(instance.id, open_only=True)] == ["Review"]


def test_values_changed_in_memory_after_the_commit_are_not_seen(any_app: Flask) -> None:
    deploy_fixture("rt_approval", forms=APPROVAL_FORMS)
    instance = start_instance("rt_approval", data={"approver_id": 7})
    tags = ["b"]
    _complete_open(instance.id, 1, {"amount": 5, "tags": tags, "pair": (1, 2)}, ["sales"])
    tags.append("changed by the caller afterwards")  # the kept workflow's task data holds this very list

    data = instance_data(instance.id)  # the next step of the instance, from the kept workflow

    assert data["tags"] == ["b"] and data["pair"] == [1, 2]  # what was stored, as the database gives it
