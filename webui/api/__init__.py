"""The JSON REST API for integrations: ``/api/v1`` (token auth, problem+json errors) and ``/api/docs``.

``register(app)`` (called once by ``webui.blueprints``) adds ``bp``, which carries the versioned blueprint
``v1`` (every route declared with ``webui.api.core.operation``) and the human-readable documentation page,
and the users' API token page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template

from webui.api import auth, clients, deals, feed, openapi, processes, tasks, tickets  # noqa: F401  - routes
from webui.api.core import v1
from webui.api.problems import init_problems
from webui.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")

csrf.exempt(v1)  # no cookies here: every call carries a Bearer token, so there is nothing to forge
init_problems(v1)
auth.init_auth(v1)
bp.register_blueprint(v1)


@bp.route("/docs")
def docs() -> Any:
    """The OpenAPI document as a plain page: operations by tag, their parameters, bodies and schemas."""
    document = openapi.openapi_document()
    return render_template("api/docs.html", doc=document)


def register(app: Flask) -> None:
    """Register the API, its documentation page and the users' API token page."""
    from webui.views import api_tokens

    app.register_blueprint(bp)
    app.register_blueprint(api_tokens.bp)
