"""The appeal registration wizard (SPEC §1.6): channel → one search over clients, contacts and potential
clients (live, htmx) → attach the appeal to an open interest, or open a new interest (a potential client
first for an unknown caller) or a ticket of a chosen type — which starts the right route map.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, make_response, redirect, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.appeal_registration import AppealRequest, register_appeal
from crm.clients.contacts import get_contact
from crm.clients.leads import get_lead
from crm.clients.services import get_client
from crm.deals.services import list_interests
from crm.errors import ValidationFailed
from crm.search import search_everything
from crm.support.models import CHANNELS
from crm.support.services import list_appeal_types
from webui.authz import role_required
from webui.service_messages import localized_errors
from webui.views.feed import crm_errors_as_http
from webui.views.workplace_common import parse_id

bp = Blueprint("wizard", __name__, url_prefix="/wizard")

SEARCH_LIMIT = 15
MIN_QUERY = 2


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "main", "WIZARD_CHANNELS": CHANNELS}


@bp.route("")
@role_required("employee", "manager")
def index() -> str:
    channel = request.args.get("channel", "phone")
    return render_template("wizard/index.html", channel=channel if channel in CHANNELS else "phone")


@bp.route("/search")
@role_required("employee", "manager")
def search() -> str:
    """Live results for the search box: clients, contacts and potential clients by phone, e-mail, name, INN."""
    query = request.args.get("q", "").strip()
    hits = search_everything(current_user, query, limit=SEARCH_LIMIT) if len(query) >= MIN_QUERY else []
    return render_template("wizard/_results.html", hits=hits, query=query, searched=len(query) >= MIN_QUERY)


@bp.route("/caller")
@role_required("employee", "manager")
@crm_errors_as_http
def caller() -> str:
    """Step 2 for the chosen caller (or a new one): what to do with the appeal."""
    entity = request.args.get("entity", "new")
    ident = request.args.get("id", "")
    values = {"caller": entity, "caller_id": ident}
    if entity == "new":
        values.update(_prefill_from_query(request.args.get("q", "")))
    return _step_two(values, {})


@bp.route("", methods=["POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def register() -> Response | str | tuple[str, int]:
    form = request.form
    appeal = AppealRequest(
        channel=form.get("channel", ""),
        action=form.get("action", ""),
        caller=form.get("caller", ""),
        caller_id=_int(form.get("caller_id")),
        subject=form.get("subject", ""),
        description=form.get("description", ""),
        interest_id=_int(form.get("interest_id")),
        appeal_type_id=_int(form.get("appeal_type_id")),
        new_name=form.get("new_name", ""),
        new_company=form.get("new_company", ""),
        new_phone=form.get("new_phone", ""),
        new_email=form.get("new_email", ""),
    )
    try:
        result = register_appeal(current_user, appeal)
    except ValidationFailed as exc:
        errors = localized_errors(exc.field_errors)
        status = 200 if request.headers.get("HX-Request") else 422  # htmx swaps only 2xx answers
        return _step_two(form.to_dict(), errors), status
    if result.ticket_id:
        target = f"/tickets/{result.ticket_id}"
    elif result.interest_id:
        target = f"/interests/{result.interest_id}"
    else:
        target = f"/clients/{result.client_id}"
    if request.headers.get("HX-Request"):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def _step_two(values: dict[str, Any], errors: dict[str, str]) -> str:
    entity = values.get("caller", "new")
    ident = _int(values.get("caller_id"))
    caller_name, interests = "", []
    if entity == "client" and ident:
        caller_name = get_client(current_user, ident).name
        interests = list_interests(current_user, client_id=ident, open_only=True, limit=50)[0]
    elif entity == "contact" and ident:
        contact = get_contact(current_user, ident)
        caller_name = f"{contact.full_name} ({contact.client.name})"
        interests = list_interests(current_user, client_id=contact.client_id, open_only=True, limit=50)[0]
    elif entity == "lead" and ident:
        caller_name = get_lead(current_user, ident).name
        interests = list_interests(current_user, lead_id=ident, open_only=True, limit=50)[0]
    else:
        entity = "new"
    action = values.get("action") or ("attach" if interests else "interest")
    return render_template(
        "wizard/_step_two.html", values=values, errors=errors, entity=entity, caller_id=ident or "",
        caller_name=caller_name, interests=interests, appeal_types=list_appeal_types(), action=action,
    )  # fmt: skip


def _prefill_from_query(query: str) -> dict[str, str]:
    """An unknown caller: what was searched for becomes their e-mail, phone or name."""
    query = query.strip()
    if "@" in query:
        return {"new_email": query}
    if query and sum(ch.isdigit() for ch in query) >= len(query.replace(" ", "")) * 0.6:
        return {"new_phone": query}
    return {"new_name": query}


def _int(value: Any) -> int | None:
    return parse_id(value)
