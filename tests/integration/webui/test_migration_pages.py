"""Migrating running instances from the designers' pages, on SQLite and PostgreSQL: counts per version with
the migrate action, the version's instances with safe/unsafe verdicts and reasons, the confirmation step,
migrating one, the batch with a refused one, the guard against a version deployed meanwhile, CSRF and
access for designers only."""

from __future__ import annotations

import re

import pytest

from crm.accounts import services as accounts
from engine import events as ev
from engine.db import db
from engine.definitions import deploy
from engine.events import ProcessEvent
from engine.humantasks import complete_task
from engine.instance_queries import running_counts_by_version
from engine.instances import get_instance, start_instance
from engine.task_queries import tasks_for_instance
from tests.conftest import make_sqlite_app
from tests.fixtures.migration_maps import APPROVAL_FORMS, APPROVAL_V1, APPROVAL_V2_WITHOUT_REVISE

KEY = "rt_approval"
BASE = f"/processes/{KEY}/versions/1/migrate"


@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def designer(any_app, client):
    accounts.ensure_builtin_roles()
    user = accounts.create_user("designer", "Dana Designer", "password-1", roles=["designer"])
    client.post("/login", data={"username": "designer", "password": "password-1"})
    return user


def _complete_open(instance_id: int, data: dict, lanes: list[str]) -> None:
    complete_task(tasks_for_instance(instance_id, open_only=True)[0].id, 7, data, lanes)


@pytest.fixture
def instances(any_app):
    """v1 with three running instances — waiting at request (safe), at revise (unsafe), at approve (safe) —
    and v2 without the revise step."""
    deploy(APPROVAL_V1, forms=APPROVAL_FORMS)
    waiting = start_instance(KEY, data={"approver_id": 7}, business_key="deal-1").id
    revising = start_instance(KEY, data={"approver_id": 7}, business_key="deal-2").id
    _complete_open(revising, {"amount": 5}, ["sales"])
    _complete_open(revising, {"approved": False}, ["managers"])
    approving = start_instance(KEY, data={"approver_id": 7}, business_key="deal-3").id
    _complete_open(approving, {"amount": 2}, ["sales"])
    v2 = deploy(APPROVAL_V2_WITHOUT_REVISE, forms=APPROVAL_FORMS).definition
    return {"waiting": waiting, "revising": revising, "approving": approving, "v2": v2}


def _rows(html: str) -> dict[int, str]:
    return {int(i): safe for i, safe in re.findall(r'data-instance="(\d+)" data-safe="(yes|no)"', html)}


def _migrated_events(instance_id: int) -> list[ProcessEvent]:
    query = db.select(ProcessEvent).where(
        ProcessEvent.instance_id == instance_id, ProcessEvent.kind == ev.INSTANCE_MIGRATED
    )
    return list(db.session.scalars(query))


def test_list_and_history_offer_the_migration_for_versions_with_running_instances(
    client, designer, instances
):
    index = client.get("/processes/").get_data(as_text=True)
    assert f'href="{BASE}"' in index and "Migrate to version 2 (latest)" in index
    badges = dict(re.findall(r'data-version="(\d+)"[^>]*>v\d+ · <span data-running>(\d+)</span>', index))
    assert badges == {"1": "3", "2": "0"}
    history = client.get(f"/processes/{KEY}/versions").get_data(as_text=True)
    assert 'data-testid="migrate-version-1"' in history
    assert 'data-testid="migrate-version-2"' not in history  # the latest has nowhere to go


def test_the_page_lists_safe_and_unsafe_instances_with_reasons(client, designer, instances):
    html = client.get(BASE).get_data(as_text=True)
    assert _rows(html) == {
        instances["waiting"]: "yes",
        instances["revising"]: "no",
        instances["approving"]: "yes",
    }
    assert "Revise request (Task_revise) is where the instance is now, and the new version removed it" in html
    assert "Prepare request" in html and "Approve request" in html and "deal-2" in html
    assert f'href="{BASE}/confirm?instance={instances["waiting"]}"' in html
    assert f"{BASE}/confirm?instance={instances['revising']}" not in html
    # Nothing moved by looking.
    assert running_counts_by_version(KEY) == {1: 3}
    assert client.get(f"/processes/{KEY}/versions/2/migrate").status_code == 404  # already the latest
    assert client.get(f"/processes/{KEY}/versions/9/migrate").status_code == 404


def test_migrating_one_instance_after_confirming(client, designer, instances):
    waiting = instances["waiting"]
    confirm = client.get(f"{BASE}/confirm?instance={waiting}").get_data(as_text=True)
    assert f"Instance #{waiting} of {KEY} moves from version 1 to version 2." in confirm
    assert 'name="to_version" value="2"' in confirm and "Revise request" in confirm  # what changes
    assert running_counts_by_version(KEY) == {1: 3}  # the confirmation step changes nothing
    resp = client.post(BASE, data={"to_version": 2, "instance_id": waiting})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'data-instance="{waiting}" data-result="migrated"' in html
    assert get_instance(waiting).definition_id == instances["v2"].id
    [event] = _migrated_events(waiting)
    assert (event.user_id, event.details["to_version"]) == (designer.id, 2)
    assert running_counts_by_version(KEY) == {1: 2, 2: 1}
    again = client.post(BASE, data={"to_version": 2, "instance_id": waiting}).get_data(as_text=True)
    assert 'data-result="refused"' in again and "The instance already runs on that version" in again


def test_batch_moves_the_safe_ones_and_lists_the_refused_one(client, designer, instances):
    confirm = client.get(f"{BASE}/confirm").get_data(as_text=True)
    assert "(3 now)" in confirm
    html = client.post(BASE, data={"to_version": 2}).get_data(as_text=True)
    assert "Migrated: 2. Refused: 1. Failed: 0." in html
    results = dict(re.findall(r'data-instance="(\d+)" data-result="(\w+)"', html))
    assert results == {
        str(instances["waiting"]): "migrated",
        str(instances["revising"]): "refused",
        str(instances["approving"]): "migrated",
    }
    assert "Task_revise" in html and "Instances still on version 1: 1" in html
    assert running_counts_by_version(KEY) == {1: 1, 2: 2}
    assert _migrated_events(instances["revising"]) == []


def test_a_version_deployed_after_the_confirmation_is_not_migrated_to(client, designer, instances):
    deploy(APPROVAL_V2_WITHOUT_REVISE.replace('name="Approval"', 'name="Approval v3"'), forms=APPROVAL_FORMS)
    resp = client.post(BASE, data={"to_version": 2})
    assert resp.status_code == 303 and resp.location.endswith(BASE)
    assert running_counts_by_version(KEY) == {1: 3}
    page = client.get(BASE).get_data(as_text=True)
    assert "Version 3 was deployed meanwhile" in page and "migrate version 1 to version 3" in page


def test_migration_pages_are_for_designers_only(any_app, client, instances):
    accounts.ensure_builtin_roles()
    accounts.create_user("clerk", "Clerk", "password-1", roles=["employee"])
    client.post("/login", data={"username": "clerk", "password": "password-1"})
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}/confirm").status_code == 403
    assert client.post(BASE, data={"to_version": 2}).status_code == 403
    assert running_counts_by_version(KEY) == {1: 3}


def test_the_migration_needs_the_form_token(tmp_path):
    app = make_sqlite_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        accounts.ensure_builtin_roles()
        accounts.create_user("designer", "Dana Designer", "password-1", roles=["designer"])
        deploy(APPROVAL_V1, forms=APPROVAL_FORMS)
        instance_id = start_instance(KEY, data={"approver_id": 7}).id
        deploy(APPROVAL_V2_WITHOUT_REVISE, forms=APPROVAL_FORMS)
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)[1]
        client.post("/login", data={"username": "designer", "password": "password-1", "csrf_token": token})
        forged = client.post(BASE, data={"to_version": 2, "instance_id": instance_id})
        assert forged.status_code == 303  # the app's CSRF handler: "the form has expired", nothing done
        assert running_counts_by_version(KEY) == {1: 1}
        confirm = client.get(f"{BASE}/confirm?instance={instance_id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', confirm)[1]
        ok = client.post(BASE, data={"to_version": 2, "instance_id": instance_id, "csrf_token": token})
        assert 'data-result="migrated"' in ok.get_data(as_text=True)
        assert running_counts_by_version(KEY) == {2: 1}
        db.session.remove()
        db.engine.dispose()
