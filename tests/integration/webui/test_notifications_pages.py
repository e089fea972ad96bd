"""The bell, its dropdown and the notifications page: counts, paging, marking read, switches, access, CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from crm.accounts import services as accounts
from crm.notifications.delivery import Message, notify
from crm.notifications.services import list_notifications, unread_count
from crm.notifications.settings import get_settings
from crm.process_operations import notify_operation
from engine.db import db
from tests.conftest import make_sqlite_app

PASSWORD = "password-1"
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def people(any_app):
    accounts.ensure_builtin_roles()
    return {
        "mary": accounts.create_user("mary", "Mary Manager", PASSWORD, roles=["manager"]),
        "dina": accounts.create_user("dina", "Dina Designer", PASSWORD, roles=["designer"]),
    }


@pytest.fixture
def client(any_app):
    return any_app.test_client()


def log_in(client, username: str) -> None:
    client.post("/logout")
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def note(user, title: str, at: datetime, link: str = "") -> None:
    notify([user.id], Message(kind="task_new", title=title, link=link), now=at)


def badge(html: str) -> str | None:
    found = re.search(r'data-testid="notifications-count">(\d+)<', html)
    return found[1] if found else None


def test_anonymous_is_sent_to_log_in(client, people):
    for path in ("/notifications", "/notifications/dropdown"):
        assert client.get(path).status_code == 302
    for path in ("/notifications/read-all", "/notifications/read", "/notifications/app-1/open"):
        assert client.post(path).status_code == 302


def test_bell_counts_unread_from_every_store_with_one_statement_per_request(any_app, client, people):
    mary, dina = people["mary"], people["dina"]
    notify_operation(
        text="The interest has been idle", user_id=mary.id, business_key="interest:3", feed=False
    )
    db.session.commit()
    note(mary, "Call the client", T0)
    note(dina, "Dina's", T0)
    log_in(client, "mary")

    counts = []
    listener = lambda *args: counts.append(args[2]) if "user_notifications" in args[2] else None  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        html = client.get("/notifications").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert badge(html) == "2"
    assert len([sql for sql in counts if "count(" in sql.lower()]) == 1  # bell and page heading share it
    log_in(client, "dina")  # a designer has a bell too
    assert badge(client.get("/notifications").get_data(as_text=True)) == "1"


def test_dropdown_lists_my_latest_five_newest_first(client, people):
    mary = people["mary"]
    for n in range(7):
        note(mary, f"Task {n}", T0 + timedelta(minutes=n))
    note(people["dina"], "Not for Mary", T0 + timedelta(hours=1))
    log_in(client, "mary")
    html = client.get("/notifications/dropdown").get_data(as_text=True)
    assert re.findall(r"Task \d", html) == ["Task 6", "Task 5", "Task 4", "Task 3", "Task 2"]
    assert "Not for Mary" not in html and "<html" not in html


def test_page_is_paged_filtered_and_marks_read(client, people):
    mary = people["mary"]
    for n in range(25):
        note(mary, f"Item {n:02d}", T0 + timedelta(minutes=n), link=f"/tasks/{n}")
    log_in(client, "mary")

    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('data-testid="notification-row"') == 20
    older = re.search(r'href="([^"]*before=[^"]+)"', first)[1].replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert re.findall(r"Item \d\d", second) == [f"Item {n:02d}" for n in range(4, -1, -1)]

    newest = list_notifications(mary.id, limit=1).items[0]
    resp = client.post(f"/notifications/{newest.id}/open")
    assert (resp.status_code, resp.headers["Location"]) == (303, "/tasks/24")
    assert unread_count(mary.id) == 24
    resp = client.post("/notifications/read", data={"id": list_notifications(mary.id, limit=2).items[1].id,
                                                     "next": "/notifications?show=unread"})  # fmt: skip
    assert resp.headers["Location"] == "/notifications?show=unread"
    unread_page = client.get("/notifications?show=unread").get_data(as_text=True)
    assert "Item 24" not in unread_page and "Item 23" not in unread_page and "Item 22" in unread_page

    for outside in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        resp = client.post("/notifications/read", data={"id": "app-1", "next": outside})
        assert resp.headers["Location"] == "/notifications"
    assert client.post("/notifications/read-all").headers["Location"] == "/notifications"
    assert unread_count(mary.id) == 0
    assert badge(client.get("/notifications").get_data(as_text=True)) is None
    assert "No unread notifications." in client.get("/notifications?show=unread").get_data(as_text=True)


def test_nobody_opens_or_marks_anybody_elses(client, people):
    mary, dina = people["mary"], people["dina"]
    note(dina, "Dina's", T0, link="/tasks/1")
    [item] = list_notifications(dina.id).items
    log_in(client, "mary")
    assert client.post(f"/notifications/{item.id}/open").status_code == 404
    client.post("/notifications/read", data={"id": item.id})
    client.post("/notifications/read-all")
    assert unread_count(dina.id) == 1
    assert "Dina's" not in client.get("/notifications").get_data(as_text=True)
    assert client.post("/notifications/read", data={"id": "bogus"}).status_code == 404
    for odd in ("process-99999999999999999999", "app-²", "monitoring-2147483648"):
        assert client.post(f"/notifications/{odd}/open").status_code == 404, odd
    assert client.get("/notifications?before=bogus").status_code == 400
    assert unread_count(mary.id) == 0


def test_settings_form_switches_kinds_off(client, people):
    mary = people["mary"]
    log_in(client, "mary")
    page = client.get("/notifications").get_data(as_text=True)
    assert 'name="new_task"' in page and 'name="overdue_task"' in page and "checked" in page
    resp = client.post("/notifications/settings", data={"new_task": "y"})
    assert resp.status_code == 303
    assert (get_settings(mary.id).new_task, get_settings(mary.id).overdue_task) == (True, False)


def test_posts_need_the_form_token(tmp_path):
    app = make_sqlite_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        accounts.ensure_builtin_roles()
        mary = accounts.create_user("mary", "Mary Manager", PASSWORD, roles=["manager"])
        note(mary, "Secret", T0, link="/tasks/1")
        [item] = list_notifications(mary.id).items
        client = app.test_client()
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(True)
        )[1]
        client.post("/login", data={"username": "mary", "password": PASSWORD, "csrf_token": token})

        for path, data in (("/notifications/read-all", {}), (f"/notifications/{item.id}/open", {}),
                           ("/notifications/read", {"id": item.id}), ("/notifications/settings", {})):  # fmt: skip
            assert client.post(path, data=data).status_code == 303  # the app's "form expired" redirect
        assert unread_count(mary.id) == 1 and get_settings(mary.id).new_task is True

        page = client.get("/notifications").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        resp = client.post(f"/notifications/{item.id}/open", data={"csrf_token": token})
        assert resp.headers["Location"] == "/tasks/1" and unread_count(mary.id) == 0
        db.session.remove()
        db.engine.dispose()
