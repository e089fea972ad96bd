"""Error pages and API problems: every failure reaches the user as a clear message, never a trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webui.safe_urls import local_referrer

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def problem(status: int, title: str, detail: str, **extra: Any) -> tuple[Response, int]:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    resp = jsonify(body)
    resp.mimetype = "application/problem+json"
    return resp, status


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Access denied"), _("You do not have access to this page or record.")),
        404: (_("Not found"), _("There is no such page or record.")),
        405: (_("Not allowed"), _("This action is not allowed here.")),
        413: (_("Too large"), _("The upload is larger than allowed.")),
        429: (_("Too many requests"), _("Please wait a little and try again.")),
        500: (_("Something went wrong"), _("The error has been logged. Please try again.")),
    }


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        detail = _("The form has expired or was opened in another session. Please submit it again.")
        if _wants_json():
            return problem(400, _("Form expired"), detail)
        flash(detail, "warning")
        return redirect(local_referrer() or request.path), 303

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        title, message = _messages().get(code, (exc.name, exc.description or ""))
        if _wants_json():
            return problem(code, title, message)
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(Exception)
    def unhandled(exc: Exception) -> Any:
        if app.testing and not app.config.get("TEST_ERROR_PAGES"):
            raise exc
        log.exception("unhandled error on %s %s", request.method, request.path)
        from engine.db import db

        db.session.rollback()
        title, message = _messages()[500]
        if _wants_json():
            return problem(500, title, message)
        return render_template("errors/error.html", code=500, title=title, message=message), 500
