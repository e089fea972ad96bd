"""My tasks: the open steps I hold or may take, with filters, sorting, paging, claim/unclaim/delegate (htmx)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.workplaces.tasks import (
    SORTS,
    TaskListFilters,
    delegate_targets,
    open_task_count,
    process_options,
    task_list,
    task_row,
)
from engine.db import utcnow
from engine.humantasks import claim, delegate, get_task, unclaim
from engine.runtime_errors import TaskAlreadyCompleted, TaskNotFound, TaskNotOpen, TaskNotYours
from webui.authz import role_required
from webui.safe_urls import local_referrer
from webui.views.main import bp
from webui.views.workplace_common import BADGE_CLASSES, abort_for, deadline_state, int_arg, is_htmx

PER_PAGE = 25
PRIORITY_LABELS = {0: "low", 1: "normal", 2: "high", 3: "urgent"}


@bp.app_context_processor
def task_badge() -> dict[str, Any]:
    """``open_task_count()`` for the navigation badge: evaluated only when the layout shows it."""

    def count() -> int:
        if not getattr(current_user, "is_authenticated", False) or not current_user.has_role(
            "employee", "manager"
        ):
            return 0
        if "open_task_count" not in g:
            g.open_task_count = open_task_count(current_user)
        return int(g.open_task_count)

    return {"open_task_count": count}


def _filters() -> tuple[TaskListFilters, dict[str, Any]]:
    args = request.args
    filters = TaskListFilters(
        process_key=args.get("process") or None,
        client_id=int_arg("client", minimum=1),
        due_today=args.get("due") == "today",
        overdue=args.get("due") == "overdue",
        min_priority=int_arg("priority", minimum=0),
        mine_only=args.get("who") == "mine",
    )
    kept = {k: v for k in ("process", "client", "due", "priority", "who", "sort") if (v := args.get(k))}
    return filters, kept


@bp.route("/tasks", endpoint="my_tasks")
@role_required("employee", "manager")
def my_tasks() -> str:
    filters, kept = _filters()
    order = request.args.get("sort", "due")
    if order not in SORTS:
        order = "due"
    page = int_arg("page", 1, minimum=1)
    now = utcnow()
    listing = task_list(current_user, filters, order=order, page=page, per_page=PER_PAGE, now=now)
    g.open_task_count = listing.open_total  # counted with the page: the navigation badge needs no query
    template = (
        "tasks/_rows.html" if is_htmx() and request.args.get("partial") == "rows" else "tasks/list.html"
    )
    return render_template(
        template,
        listing=listing,
        kept=kept,
        kept_no_client={k: v for k, v in kept.items() if k != "client"},
        order=order,
        processes=process_options(),
        now=now,
        deadline_state=deadline_state,
        badge_classes=BADGE_CLASSES,
        priority_labels=PRIORITY_LABELS,
        delegates=delegate_targets(current_user),
        active_section="main",
    )


def _after_action(task_id: int) -> Any:
    """The updated row for htmx, else back to where the user was."""
    if is_htmx():
        row = _single_row(task_id)
        return render_template("tasks/_row.html", **row)
    return redirect(local_referrer() or url_for("main.my_tasks"), 303)


def _single_row(task_id: int) -> dict[str, Any]:
    return {
        "row": task_row(get_task(task_id)),
        "now": utcnow(),
        "deadline_state": deadline_state,
        "badge_classes": BADGE_CLASSES,
        "priority_labels": PRIORITY_LABELS,
        "delegates": delegate_targets(current_user),
    }


def _task_action(task_id: int, action: Any, done_message: str) -> Any:
    try:
        action()
    except TaskNotFound as exc:
        abort_for(exc)
    except TaskAlreadyCompleted:
        return _refused(task_id, _("This task has already been completed."))
    except TaskNotOpen:
        return _refused(task_id, _("This task is no longer open: the process has moved on."))
    except TaskNotYours:
        return _refused(task_id, _("This task belongs to someone else or to a lane you are not in."))
    if not is_htmx():
        flash(done_message, "success")
    return _after_action(task_id)


def _refused(task_id: int, message: str) -> Any:
    if is_htmx():
        resp = Response(render_template("tasks/_toast.html", message=message, category="danger"), 409)
        resp.headers["HX-Retarget"] = "#toasts"
        resp.headers["HX-Reswap"] = "beforeend"
        return resp
    flash(message, "danger")
    return redirect(local_referrer() or url_for("main.my_tasks"), 303)


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"], endpoint="task_claim")
@role_required("employee", "manager")
def task_claim(task_id: int) -> Any:
    return _task_action(
        task_id, lambda: claim(task_id, current_user.id, current_user.lane_keys), _("Task taken.")
    )


@bp.route("/tasks/<int:task_id>/unclaim", methods=["POST"], endpoint="task_unclaim")
@role_required("employee", "manager")
def task_unclaim(task_id: int) -> Any:
    return _task_action(task_id, lambda: unclaim(task_id, current_user.id), _("Task returned to its lane."))


@bp.route("/tasks/<int:task_id>/delegate", methods=["POST"], endpoint="task_delegate")
@role_required("employee", "manager")
def task_delegate(task_id: int) -> Any:
    allowed = dict(delegate_targets(current_user))
    target = request.form.get("user_id", type=int)
    if target not in allowed:
        return _refused(task_id, _("Choose a colleague to hand the task to."))
    return _task_action(
        task_id,
        lambda: delegate(task_id, target, current_user.id),
        _("Task handed to %(name)s.", name=allowed[target]),
    )
