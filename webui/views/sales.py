"""My sales: interests as a pipeline board by stage (drag where the route map allows) and as a table."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.deals.services import list_stages
from crm.errors import AccessDenied, CrmError, NotFound, ValidationFailed
from crm.mail.models import SCENARIO_SALES
from crm.mail.queries import waiting_lead_letters
from crm.workplaces.errors import MoveNotAllowed
from crm.workplaces.sales import SCOPES, move_interest_to_stage, sales_board, sales_table
from webui.authz import role_required
from webui.service_messages import error_text
from webui.views.main import bp
from webui.views.workplace_common import int_arg, parse_id

PER_PAGE = 25
STATES = ("open", "closed", "all")


@bp.route("/sales", endpoint="my_sales")
@role_required("employee", "manager")
def my_sales() -> Any:
    scope = request.args.get("scope", "mine")
    scope = scope if scope in SCOPES else "mine"
    view = "table" if request.args.get("view") == "table" else "board"
    context: dict[str, Any] = {
        "scope": scope,
        "view": view,
        "active_section": "main",
        "lead_letters": waiting_lead_letters(current_user, SCENARIO_SALES),
    }
    if view == "board":
        context["columns"] = sales_board(current_user, scope=scope)
        return render_template("sales/board.html", **context)
    stage = request.args.get("stage") or None
    state = request.args.get("state", "open")
    state = state if state in STATES else "open"
    search = (request.args.get("q") or "")[:100]
    page = int_arg("page", 1, minimum=1)
    stages = list_stages()
    if stage not in {s.code for s in stages}:
        stage = None
    rows, total = sales_table(
        current_user, scope=scope, stage_code=stage, state=state, search=search, page=page, per_page=PER_PAGE
    )
    kept = {
        k: v
        for k, v in {"view": "table", "scope": scope, "stage": stage, "state": state, "q": search}.items()
        if v
    }
    return render_template(
        "sales/table.html", rows=rows, total=total, page=page, per_page=PER_PAGE, stages=stages, kept=kept,
        stage=stage, state=state, search=search, **context,
    )  # fmt: skip


@bp.route("/sales/move", methods=["POST"], endpoint="sales_move")
@role_required("employee", "manager")
def sales_move() -> Any:
    interest_id = parse_id(request.form.get("interest_id"))
    stage = (request.form.get("stage") or "").strip()
    if not interest_id or not stage:
        return jsonify(ok=False, message=_("Say which deal moves to which stage.")), 400
    try:
        interest = move_interest_to_stage(current_user, interest_id, stage)
    except MoveNotAllowed as exc:
        body: dict[str, Any] = {"ok": False, "message": move_refusal(exc)}
        if exc.task_id:
            body["task_url"] = url_for("main.task", task_id=exc.task_id)
        return jsonify(body), 409
    except AccessDenied:
        return jsonify(ok=False, message=_("You may not change this deal.")), 403
    except NotFound:
        return jsonify(ok=False, message=_("There is no such deal or stage.")), 404
    except ValidationFailed as exc:
        return jsonify(ok=False, message=error_text(exc)), 409
    except CrmError as exc:
        return jsonify(ok=False, message=error_text(exc)), 409
    return jsonify(
        ok=True,
        stage=interest.stage.code,
        stage_name=interest.stage.name,
        closed=interest.closed_at is not None,
    )


def move_refusal(exc: MoveNotAllowed) -> str:
    """The user's words for why the route map refused a move."""
    params = exc.params
    if exc.reason == "no_route":
        reachable = params.get("reachable") or []
        message = _(
            "The route map does not lead to “%(stage)s” from the current step.", stage=params.get("stage")
        )
        if reachable:
            message += " " + _("From here it can go to: %(stages)s.", stages=", ".join(map(str, reachable)))
        return message
    if exc.reason == "form_needed":
        return _(
            "The step “%(step)s” needs its form filled in: open it and choose “%(variant)s”.",
            step=params.get("step"),
            variant=params.get("variant"),
        )
    if exc.reason == "not_yours":
        return _("The step “%(step)s” is in someone else’s hands.", step=params.get("step"))
    return _("The process could not continue after “%(step)s”.", step=params.get("step"))
