"""Request size and cookies: uploads beyond 25 MB are refused with 413 (task files, route-map uploads) and the
session cookie is not sent on cross-site sub-requests."""

from __future__ import annotations

import io

from tests.integration.webui.workplace_fixtures import build_company, log_in

LIMIT = 25 * 1024 * 1024


def test_the_upload_limit_is_on_by_default(app):
    assert app.config["MAX_CONTENT_LENGTH"] == LIMIT


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, app):
    build_company()
    log_in(client, "dina")
    big = io.BytesIO(b"<x/>" + b" " * LIMIT)
    resp = client.post(
        "/processes/upload", data={"files": (big, "huge.bpmn")}, content_type="multipart/form-data"
    )
    assert resp.status_code == 413
    assert "The upload is larger than allowed." in resp.get_data(as_text=True)


def test_the_session_cookie_is_same_site_lax(client, app):
    build_company()
    resp = client.post("/login", data={"username": "mary", "password": "password-1"})
    cookie = resp.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
