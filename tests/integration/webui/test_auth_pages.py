"""Log-in, log-out, role navigation, CSRF and language through the real app."""

import re

import pytest
from flask import Flask

from crm.accounts import services as accounts
from tests.conftest import make_sqlite_app


@pytest.fixture
def users(app):
    accounts.ensure_builtin_roles()
    for username, roles in {
        "admin": ["administrator"],
        "designer": ["designer"],
        "boss": ["manager"],
        "clerk": ["employee"],
    }.items():
        accounts.create_user(username, username.title(), "password-1", roles=roles)


def login(client, username, password="password-1"):
    return client.post("/login", data={"username": username, "password": password})


@pytest.mark.parametrize(
    ("username", "landing", "visible", "hidden"),
    [
        ("admin", "/desktop", ["Main", "Processes", "Monitoring", "Administration"], []),
        ("designer", "/processes/", ["Processes"], ["Administration", "My tasks"]),
        ("boss", "/desktop", ["Main", "Monitoring"], ["Administration", "Processes"]),
        ("clerk", "/desktop", ["Main", "My tasks"], ["Administration", "Monitoring", "Processes"]),
    ],
)
def test_each_role_logs_in_and_sees_its_navigation(client, users, username, landing, visible, hidden):
    resp = login(client, username)
    assert resp.status_code == 302 and resp.location == landing
    page = client.get(landing).get_data(as_text=True)
    nav = page.split('data-testid="nav-sections"')[1].split("</ul>\n    </div>")[0]
    for label in visible:
        assert label in nav
    for label in hidden:
        assert label not in nav


def test_wrong_password_and_unknown_user(client, users):
    for username, password in (("admin", "wrong"), ("ghost", "password-1")):
        resp = login(client, username, password)
        assert resp.status_code == 401
        assert "Wrong user name or password." in resp.get_data(as_text=True)


def test_login_rate_limit_returns_429(client, users):
    for _ in range(5):
        login(client, "admin", "wrong")
    resp = login(client, "admin")
    assert resp.status_code == 429
    assert "Too many failed log-ins" in resp.get_data(as_text=True)


def test_role_pages_are_forbidden_to_others(client, users):
    login(client, "clerk")
    resp = client.get("/admin/users")
    assert resp.status_code == 403
    assert "Access denied" in resp.get_data(as_text=True)
    assert client.get("/processes/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    resp = client.get("/admin/users")
    assert resp.status_code == 302 and "/login" in resp.location


def test_logout(client, users):
    login(client, "admin")
    assert client.post("/logout").status_code == 302
    assert client.get("/desktop").status_code == 302


def test_demo_accounts_only_in_demo_mode(tmp_path, client):
    assert "demo-accounts" not in client.get("/login").get_data(as_text=True)
    demo = make_sqlite_app(tmp_path / "demo", DEMO_MODE=True)
    assert 'data-testid="demo-accounts"' in demo.test_client().get("/login").get_data(as_text=True)


def test_expired_csrf_token_gives_a_clear_message(tmp_path):
    (tmp_path / "csrf").mkdir()
    app: Flask = make_sqlite_app(tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    with app.app_context():
        accounts.ensure_builtin_roles()
        accounts.create_user("admin", "Admin", "password-1", roles=["administrator"])
    client = app.test_client()
    client.get("/login")
    resp = client.post(
        "/login",
        data={"username": "admin", "password": "password-1", "csrf_token": "stale"},
        follow_redirects=True,
    )
    text = resp.get_data(as_text=True)
    assert "The form has expired" in text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text).group(1)
    ok = client.post("/login", data={"username": "admin", "password": "password-1", "csrf_token": token})
    assert ok.status_code == 302


def test_language_switch_to_russian(client, users):
    login(client, "clerk")
    client.post("/language/ru", data={"next": "/desktop"})
    page = client.get("/desktop").get_data(as_text=True)
    assert "Мои задачи" in page
    assert accounts.find_user("clerk").locale == "ru"


def test_open_redirect_is_refused(client, users):
    resp = client.post("/login?next=//evil.example/x", data={"username": "admin", "password": "password-1"})
    assert resp.location == "/desktop"
