"""No open redirects: ``next=`` after log-in or a language switch, and the Referer used to go "back" after a
refused form or task action, only ever lead to a page of this site."""

from __future__ import annotations

import pytest
from flask import Flask

from crm.accounts import services as accounts
from tests.conftest import make_sqlite_app
from tests.integration.webui.workplace_fixtures import build_company, log_in
from webui.safe_urls import local_target

FOREIGN = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",  # browsers read a backslash as a slash: //evil.example
    "/\t/evil.example/",  # and drop tabs and newlines: //evil.example
    "/\n/evil.example/",
    "\\\\evil.example",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("target", FOREIGN)
def test_foreign_targets_are_refused(target):
    assert local_target(target) is None


@pytest.mark.parametrize("target", ["/", "/tasks", "/tasks?due=today&sort=due", "/clients/3#feed"])
def test_local_paths_are_kept(target):
    assert local_target(target) == target


@pytest.fixture
def users(app):
    accounts.ensure_builtin_roles()
    accounts.create_user("clerk", "Clerk", "password-1", roles=["employee"])


@pytest.mark.parametrize("target", FOREIGN)
def test_login_never_follows_a_foreign_next(client, users, target):
    resp = client.post(
        "/login", query_string={"next": target}, data={"username": "clerk", "password": "password-1"}
    )
    assert resp.status_code == 302 and resp.location == "/desktop"


def test_login_follows_a_local_next(client, users):
    resp = client.post(
        "/login",
        query_string={"next": "/tasks?due=today"},
        data={"username": "clerk", "password": "password-1"},
    )
    assert resp.location == "/tasks?due=today"


@pytest.mark.parametrize("target", FOREIGN)
def test_language_switch_never_follows_a_foreign_next(client, users, target):
    client.post("/login", data={"username": "clerk", "password": "password-1"})
    resp = client.post("/language/ru", data={"next": target})
    assert resp.status_code == 302 and resp.location == "/"


def test_expired_form_goes_back_only_to_a_page_of_this_site(tmp_path):
    app: Flask = make_sqlite_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    foreign = client.post("/login", data={}, headers={"Referer": "https://evil.example/phish"})
    assert foreign.status_code == 303 and foreign.location == "/login"
    local = client.post("/login", data={}, headers={"Referer": "http://localhost/login?next=/tasks"})
    assert local.status_code == 303 and local.location == "/login?next=/tasks"


def test_a_refused_task_action_goes_back_only_to_a_page_of_this_site(client, app):
    build_company()
    from engine.db import db
    from engine.humantask_model import OPEN, HumanTask

    task = db.session.query(HumanTask).filter_by(status=OPEN).first()
    log_in(client, "oleg")  # not his lane's / not his task: the action is refused
    foreign = client.post(f"/tasks/{task.id}/unclaim", headers={"Referer": "https://evil.example/x"})
    assert foreign.status_code == 303 and foreign.location == "/tasks"
    local = client.post(f"/tasks/{task.id}/unclaim", headers={"Referer": "http://localhost/tasks?due=today"})
    assert local.status_code == 303 and local.location == "/tasks?due=today"
