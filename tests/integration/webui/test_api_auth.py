"""API authentication by personal tokens, the token page, and CSRF staying out of the token-authenticated API."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from crm.accounts import services as accounts
from crm.api_tokens import (
    ApiToken,
    ApiTokenInvalid,
    authenticate_token,
    issue_token,
    list_tokens,
    revoke_token,
)
from crm.errors import AccessDenied, ValidationFailed
from engine.db import db
from tests.conftest import make_sqlite_app
from tests.integration.webui.api_fixtures import caller_for
from tests.integration.webui.workplace_fixtures import build_company, log_in


@pytest.fixture
def company(any_app):
    return build_company()


def test_token_is_stored_as_its_sha256_only_and_authenticates_its_user(company):
    plaintext, row = issue_token(company.manager, "website")
    stored = db.session.scalar(select(ApiToken.token_hash).where(ApiToken.id == row.id))
    assert stored == hashlib.sha256(plaintext.encode()).hexdigest() and plaintext not in stored
    assert len(plaintext) >= 40 and row.hint == plaintext[:8]
    assert authenticate_token(plaintext).id == company.manager.id
    assert db.session.get(ApiToken, row.id).last_used_at is not None
    with pytest.raises(ValidationFailed):
        issue_token(company.manager, "   ")


def test_revoked_token_and_deactivated_user_are_refused(company):
    plaintext, row = issue_token(company.manager, "crm sync")
    with pytest.raises(AccessDenied):
        revoke_token(company.other_manager, row.id)
    revoke_token(company.manager, row.id)
    with pytest.raises(ApiTokenInvalid):
        authenticate_token(plaintext)
    second, _ = issue_token(company.agent, "phones")
    accounts.set_active(company.agent.id, False)
    with pytest.raises(ApiTokenInvalid):
        authenticate_token(second)
    assert [t.name for t in list_tokens(company.manager)] == ["crm sync"]


def test_requests_without_a_valid_token_get_401_problems(any_app, company):
    api = caller_for(any_app, company.manager)
    http = api.http
    for headers in ({}, {"Authorization": "Basic bWFyeTpwdw=="}, {"Authorization": "Bearer rmc_nope"}):
        resp = http.get("/api/v1/clients", headers=headers)
        assert resp.status_code == 401 and resp.mimetype == "application/problem+json"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert resp.get_json()["status"] == 401 and resp.get_json()["detail"]
    me = api.get("/api/v1/me")
    assert me["username"] == "mary" and me["roles"] == ["manager"]
    [row] = list_tokens(company.manager)
    revoke_token(company.manager, row.id)
    assert api.get("/api/v1/me", expect=401)["title"] == "Unauthorized"


def test_a_session_cookie_does_not_open_the_api(any_app, company):
    http = any_app.test_client()
    log_in(http, "mary")
    assert http.get("/api/v1/clients").status_code == 401


def test_api_writes_need_no_csrf_token_while_pages_still_do(tmp_path):
    app = make_sqlite_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        company = build_company()
        api = caller_for(app, company.manager)
        created = api.post("/api/v1/clients", {"name": "Lotos LLC"}, expect=201)
        assert created["name"] == "Lotos LLC"
        # The same app refuses a page form without its CSRF token (so the API really is exempt, not unguarded).
        refused = app.test_client().post("/login", data={"username": "mary", "password": "password-1"})
        assert refused.status_code == 303
        db.session.remove()


def test_token_page_creates_shows_once_lists_and_revokes(client, app):
    company = build_company()
    log_in(client, "mary")
    home = client.get("/account/api-tokens/").get_data(as_text=True)
    assert "You have no API tokens yet." in home and 'data-testid="api-tokens-link"' in home  # user menu
    empty = client.post("/account/api-tokens/", data={"name": ""})
    assert empty.status_code == 422 and not list_tokens(company.manager)
    made = client.post("/account/api-tokens/", data={"name": "Website form"})
    page = made.get_data(as_text=True)
    assert made.status_code == 200 and 'data-testid="token-value"' in page
    token = page.split('data-testid="token-value">', 1)[1].split("<", 1)[0]
    assert authenticate_token(token).id == company.manager.id
    again = client.get("/account/api-tokens/").get_data(as_text=True)
    assert "Website form" in again and token not in again and token[:8] in again
    [row] = list_tokens(company.manager)
    log_in(client, "oleg")
    client.post(f"/account/api-tokens/{row.id}/revoke")
    assert db.session.get(ApiToken, row.id).revoked_at is None
    log_in(client, "mary")
    client.post(f"/account/api-tokens/{row.id}/revoke")
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert "Revoked" in client.get("/account/api-tokens/").get_data(as_text=True)


def test_every_string_of_the_token_page_has_a_russian_translation():
    import re
    from pathlib import Path

    from webui.translations.ru_ui_api import RU

    root = Path(__file__).resolve().parents[3] / "webui"
    sources = [root / "views" / "api_tokens.py", root / "templates" / "account" / "api_tokens.html"]
    text = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    msgids = set(re.findall(r"_l?\('([^']+)'", text)) | set(re.findall(r'_l?\("([^"]+)"', text))
    assert len(msgids) >= 15 and msgids <= set(RU), msgids - set(RU)
