"""Helpers of the API tests: tokens for the workplace company's users, and calls whose answers are checked
against the OpenAPI document (status documented for the operation, body valid against its schema)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from crm.api_tokens import issue_token
from webui.api.openapi import openapi_document


@dataclass
class Caller:
    """A test client that sends one user's token and checks every answer against the document."""

    http: FlaskClient
    token: str

    def call(self, method: str, path: str, *, expect: int, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token if token is not None else self.token}"}
        headers.update(kwargs.pop("headers", {}))
        resp = self.http.open(path, method=method, headers=headers, **kwargs)
        assert resp.status_code == expect, (resp.status_code, resp.get_data(as_text=True))
        check_documented(self.http.application, method, path, resp)
        return resp.get_json()

    def get(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("GET", path, expect=expect, **kwargs)

    def post(self, path: str, json: Any = None, expect: int = 200, **kwargs: Any) -> Any:
        if json is not None:
            kwargs["json"] = json
        return self.call("POST", path, expect=expect, **kwargs)


def caller_for(app: Flask, user: Any) -> Caller:
    token, _row = issue_token(user, f"tests for {user.username}")
    return Caller(app.test_client(), token)


def check_documented(app: Flask, method: str, path: str, resp: Any) -> None:
    """The status must be documented for the matched operation and the body must match its schema."""
    document = openapi_document()
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(path.split("?", 1)[0], method=method)
    operation = next(
        op
        for item in document["paths"].values()
        for op in item.values()
        if f"api.v1.{op['operationId']}" == endpoint
    )
    documented = operation["responses"].get(str(resp.status_code))
    assert documented is not None, f"{method} {path} answered {resp.status_code}, which is not documented"
    content = documented.get("content") or {}
    if not content:
        return
    media_type, spec = next(iter(content.items()))
    assert resp.mimetype == media_type, (resp.mimetype, media_type)
    root = {**spec["schema"], "components": document["components"]}
    errors = sorted(Draft202012Validator(root).iter_errors(resp.get_json()), key=str)
    assert not errors, f"{method} {path}: {[e.message for e in errors]}"
