"""My tasks: visibility by lane, filters, sorting, paging, claim/unclaim/delegate (htmx and plain), the badge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.db import db, utcnow
from engine.humantask_model import HumanTask
from engine.task_queries import tasks_for_instance
from tests.integration.webui.workplace_fixtures import build_company, log_in, start_sale

HX = {"HX-Request": "true"}


@pytest.fixture
def company(any_app):
    return build_company()


@pytest.fixture
def client(any_app):
    return any_app.test_client()


def _open_task(company) -> HumanTask:
    return tasks_for_instance(company.interest.process_instance_id, open_only=True)[0]


def test_anonymous_is_sent_to_log_in_and_a_designer_is_refused(client, company):
    assert client.get("/tasks").status_code == 302
    log_in(client, "dina")
    assert client.get("/tasks").status_code == 403


def test_lane_task_is_listed_for_the_lane_with_its_interest_client_and_badges(client, company):
    log_in(client, "mary")
    page = client.get("/tasks").get_data(as_text=True)
    assert 'data-testid="task-row"' in page
    assert "Qualify the interest" in page and "Office furniture" in page and "Romashka LLC" in page
    assert 'data-due="ok"' in page  # PT8H SLA, fresh task: green
    assert 'data-priority="high"' in page
    assert 'data-testid="nav-task-count">1<' in page
    log_in(client, "sveta")  # an employee is not in the lane "manager"
    page = client.get("/tasks").get_data(as_text=True)
    assert "Qualify the interest" not in page and "nav-task-count" not in page


def test_filters_process_client_overdue_today_priority_and_mine(client, company):
    task = _open_task(company)
    log_in(client, "mary")

    def rows(query: str) -> int:
        return client.get(f"/tasks?{query}").get_data(as_text=True).count('data-testid="task-row"')

    assert rows("process=ui_sale") == 1
    assert rows("process=nope") == 0
    assert rows(f"client={company.client.id}") == 1
    assert rows(f"client={company.other_client.id}") == 0
    assert rows("due=overdue") == 0
    assert rows("priority=2") == 1 and rows("priority=3") == 0
    assert rows("who=mine") == 0  # in the lane, not assigned
    task.due_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert rows("due=overdue") == 1
    page = client.get("/tasks").get_data(as_text=True)
    assert 'data-due="overdue"' in page
    task.due_at = utcnow() + timedelta(minutes=30)
    db.session.commit()
    assert rows("due=today") + rows("due=overdue") >= 1
    assert 'data-due="soon"' in client.get("/tasks").get_data(as_text=True)


def test_sorting_and_paging(client, company):
    for _ in range(30):
        start_sale(company.plain_interest, company.manager)
    log_in(client, "mary")
    first = client.get("/tasks").get_data(as_text=True)
    assert first.count('data-testid="task-row"') == 25
    assert 'data-testid="task-total">31<' in first
    second = client.get("/tasks?page=2").get_data(as_text=True)
    assert second.count('data-testid="task-row"') == 6
    assert client.get("/tasks?sort=bogus&page=-3").status_code == 200


def test_claim_unclaim_and_delegate_with_htmx(client, company):
    task = _open_task(company)
    log_in(client, "mary")
    resp = client.post(f"/tasks/{task.id}/claim", headers=HX)
    assert resp.status_code == 200 and 'data-testid="unclaim"' in resp.get_data(as_text=True)
    assert db.session.get(HumanTask, task.id).assignee_id == company.manager.id
    resp = client.post(f"/tasks/{task.id}/unclaim", headers=HX)
    assert resp.status_code == 200 and 'data-testid="claim"' in resp.get_data(as_text=True)
    client.post(f"/tasks/{task.id}/claim", headers=HX)
    resp = client.post(f"/tasks/{task.id}/delegate", data={"user_id": company.other_manager.id}, headers=HX)
    assert resp.status_code == 200 and "Oleg Other" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id == company.other_manager.id
    # no longer mine: a second claim is refused with a toast (409), not an error page
    resp = client.post(f"/tasks/{task.id}/claim", headers=HX)
    assert resp.status_code == 409 and 'data-testid="toast"' in resp.get_data(as_text=True)
    assert resp.headers["HX-Retarget"] == "#toasts"


def test_plain_post_redirects_back_with_a_message(client, company):
    task = _open_task(company)
    log_in(client, "mary")
    resp = client.post(f"/tasks/{task.id}/claim", headers={"Referer": "/tasks?who=mine"})
    assert resp.status_code == 303 and resp.location.endswith("/tasks?who=mine")
    assert "Task taken." in client.get("/tasks").get_data(as_text=True)
    resp = client.post(f"/tasks/{task.id}/delegate", data={"user_id": "999"})
    assert resp.status_code == 303
    assert "Choose a colleague" in client.get("/tasks").get_data(as_text=True)
    assert client.post("/tasks/99999/claim").status_code == 404
