"""Running instances per version and where each waits; the migration dry run and the batch migration."""

from __future__ import annotations

from flask import Flask
from runtime_support import events_of

from engine import events as ev
from engine.definitions import deploy
from engine.humantasks import complete_task
from engine.instance_queries import (
    count_running_instances,
    running_counts_by_definition,
    running_counts_by_version,
    running_instances,
)
from engine.instances import cancel_instance, get_instance, start_instance, suspend_instance
from engine.migration import FAILED, MIGRATED, REFUSED, check_migration, migrate_instances, migrate_version
from engine.task_queries import tasks_for_instance
from tests.fixtures.migration_maps import APPROVAL_FORMS, APPROVAL_V1, APPROVAL_V2_WITHOUT_REVISE


def _start(business_key: str) -> int:
    return start_instance("rt_approval", data={"approver_id": 7}, business_key=business_key).id


def _complete_open(instance_id: int, data: dict, lanes: list[str]) -> None:
    task = tasks_for_instance(instance_id, open_only=True)[0]
    complete_task(task.id, 7, data, lanes)


def _at_revise(business_key: str) -> int:
    instance_id = _start(business_key)
    _complete_open(instance_id, {"amount": 5}, ["sales"])
    _complete_open(instance_id, {"approved": False}, ["managers"])
    return instance_id


def test_counts_per_version_and_the_list_with_open_steps(any_app: Flask) -> None:
    v1 = deploy(APPROVAL_V1, forms=APPROVAL_FORMS).definition
    first, second, third = _start("deal-1"), _start("deal-2"), _start("deal-3")
    _complete_open(second, {"amount": 3}, ["sales"])
    suspend_instance(third)
    cancel_instance(_start("deal-4"))
    v2 = deploy(APPROVAL_V2_WITHOUT_REVISE, forms=APPROVAL_FORMS).definition
    _start("deal-5")

    assert running_counts_by_version("rt_approval") == {1: 3, 2: 1}
    assert running_counts_by_version("nothing") == {}
    assert running_counts_by_definition([v1.id, v2.id]) == {v1.id: 3, v2.id: 1}
    assert count_running_instances(v1.id) == 3
    rows = running_instances(v1.id)
    assert [(r.id, r.business_key, r.status) for r in rows] == [
        (first, "deal-1", "running"),
        (second, "deal-2", "running"),
        (third, "deal-3", "suspended"),
    ]
    assert [[s.label for s in r.open_steps] for r in rows] == [
        ["Prepare request"],
        ["Approve request"],
        ["Prepare request"],
    ]
    assert [r.id for r in running_instances(v1.id, limit=2, offset=1)] == [second, third]
    assert [r.id for r in running_instances(v1.id, after_id=first)] == [second, third]


def test_dry_run_names_the_unsafe_instances_and_changes_nothing(any_app: Flask) -> None:
    v1 = deploy(APPROVAL_V1, forms=APPROVAL_FORMS).definition
    waiting, revising = _start("deal-1"), _at_revise("deal-2")
    v2 = deploy(APPROVAL_V2_WITHOUT_REVISE, forms=APPROVAL_FORMS).definition
    state_before = get_instance(revising).state

    assert check_migration(waiting) == []
    assert check_migration(waiting, v2.id) == []
    [reason] = check_migration(revising, v2.id)
    assert "Revise request (Task_revise)" in reason and "removed" in reason
    # The reason also says what it is, so the pages can word it in the user's language.
    assert (reason.code, reason.params) == ("current_step_removed", {"step": "Revise request (Task_revise)"})
    assert check_migration(waiting, v1.id) == ["the instance already runs on that version"]
    row = get_instance(revising)
    assert (row.definition_id, row.state) == (v1.id, state_before)
    assert events_of(waiting, ev.INSTANCE_MIGRATED) == []
    cancel_instance(waiting)
    assert check_migration(waiting) == ["the instance is cancelled"]


def test_batch_moves_the_safe_ones_and_reports_the_refused(any_app: Flask) -> None:
    v1 = deploy(APPROVAL_V1, forms=APPROVAL_FORMS).definition
    waiting, revising, approving = _start("deal-1"), _at_revise("deal-2"), _start("deal-3")
    _complete_open(approving, {"amount": 2}, ["sales"])
    v2 = deploy(APPROVAL_V2_WITHOUT_REVISE, forms=APPROVAL_FORMS).definition

    first = migrate_version(v1.id, to_definition_id=v2.id, user_id=3, limit=2)
    assert [(o.instance_id, o.result) for o in first.outcomes] == [(waiting, MIGRATED), (revising, REFUSED)]
    assert "Task_revise" in first.outcomes[1].reasons[0]
    assert (first.last_id, first.more) == (revising, True)
    rest = migrate_version(v1.id, to_definition_id=v2.id, user_id=3, after_id=first.last_id, limit=2)
    assert [(o.instance_id, o.result) for o in rest.outcomes] == [(approving, MIGRATED)]
    assert rest.more is False

    assert running_counts_by_version("rt_approval") == {1: 1, 2: 2}
    [event] = events_of(approving, ev.INSTANCE_MIGRATED)
    assert (event.user_id, event.details["from_version"], event.details["to_version"]) == (3, 1, 2)
    # The moved instance runs on: a rejection now goes straight back to "Prepare request".
    _complete_open(approving, {"approved": False}, ["managers"])
    assert [t.element_id for t in tasks_for_instance(approving, open_only=True)] == ["Task_request"]
    # A second attempt on a moved one is refused, an unknown id fails, and neither stops the batch.
    again, unknown = migrate_instances([waiting, 999_999], to_definition_id=v2.id)
    assert (again.result, again.reasons) == (REFUSED, ["the instance already runs on that version"])
    assert (unknown.instance_id, unknown.result) == (999_999, FAILED)
