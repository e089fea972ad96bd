"""Support: the appeal queue with reaction/processing SLA countdowns, worked through in order ("take next")."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.errors import CrmError
from crm.mail.models import SCENARIO_SUPPORT
from crm.mail.queries import waiting_lead_letters
from crm.workplaces.errors import NothingToTake
from crm.workplaces.support import support_queue, take_ticket
from engine.db import utcnow
from webui.authz import role_required
from webui.service_messages import error_text
from webui.views.main import bp

SCOPES = ("queue", "mine", "all")


@bp.route("/support", endpoint="support")
@role_required("employee", "manager")
def support() -> str:
    scope = request.args.get("scope", "queue")
    scope = scope if scope in SCOPES else "queue"
    rows = support_queue(current_user, scope=scope)
    return render_template(
        "support/queue.html", rows=rows, scope=scope, now=utcnow(), active_section="main",
        lead_letters=waiting_lead_letters(current_user, SCENARIO_SUPPORT),
    )  # fmt: skip


@bp.route("/support/take", methods=["POST"], endpoint="support_take")
@role_required("employee", "manager")
def support_take() -> Response:
    ticket_id = request.form.get("ticket_id", type=int)
    try:
        ticket, task_id = take_ticket(current_user, ticket_id)
    except NothingToTake:
        flash(
            _("Nobody is waiting: the queue is empty.")
            if ticket_id is None
            else _("Someone took this appeal first."),
            "info",
        )
        return redirect(url_for("main.support"), 303)
    except CrmError as exc:
        flash(error_text(exc), "danger")
        return redirect(url_for("main.support"), 303)
    flash(_("Appeal “%(subject)s” is yours now.", subject=ticket.subject), "success")
    target: Any = (
        url_for("main.task", task_id=task_id) if task_id else url_for("main.ticket_card", ticket_id=ticket.id)
    )
    return redirect(target, 303)
