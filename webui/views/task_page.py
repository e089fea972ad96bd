"""The task page: a step's instructions, its context and the form generated from its JSON Schema.

After a completion the next open step of the same instance for the same person opens at once. A step that
ends in a choice (named flows of the exclusive gateway right after it) shows the choice as buttons.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.workplaces.history import step_history
from crm.workplaces.pickers import KINDS, pickable_label, search_pickable
from crm.workplaces.task_access import may_view_task, may_work_on, next_task_for, task_subject
from engine.db import utcnow
from engine.errors import EngineError
from engine.events import events_for_instance
from engine.humantask_model import OPEN, HumanTask
from engine.humantasks import complete_task, get_task, task_form_schema
from engine.instances import instance_data
from engine.runtime_errors import (
    FormDataInvalid,
    InstanceNotRunning,
    StepFailed,
    TaskAlreadyCompleted,
    TaskNotFound,
    TaskNotOpen,
    TaskNotYours,
)
from engine.task_choices import TaskChoice, choice_field, choices_for_task
from webui.authz import role_required
from webui.rich_text import markdown_html
from webui.task_forms import GeneratedForm, attach_errors, build_form_class, form_data, initial_values
from webui.uploads import is_upload, store_upload, upload_path
from webui.views.main import bp
from webui.views.tasks import PRIORITY_LABELS
from webui.views.workplace_common import BADGE_CLASSES, abort_for, deadline_state


def _load(task_id: int) -> HumanTask:
    try:
        task = get_task(task_id)
    except TaskNotFound as exc:
        abort_for(exc)
    if not may_view_task(current_user, task):
        abort(403)
    return task


def _picker_check(kind: str, ident: int) -> str | None:
    return pickable_label(current_user, kind, ident)


def _form_parts(task: HumanTask) -> tuple[dict[str, Any], list[TaskChoice], str | None, type[GeneratedForm]]:
    schema = task_form_schema(task.id) or {"type": "object", "properties": {}}
    choices = choices_for_task(task)
    deciding = choice_field(choices)
    form_class = build_form_class(schema, exclude={deciding} if deciding else set(), pickers=_picker_check)
    return schema, choices if deciding else [], deciding, form_class


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"], endpoint="task")
@role_required("employee", "manager")
def task_page(task_id: int) -> Any:
    task = _load(task_id)
    workable = task.status == OPEN and may_work_on(current_user, task)
    if request.method == "POST":
        if not workable:
            return _not_workable(task)
        return _submit(task)
    schema, choices, _deciding, form_class = _form_parts(task) if workable else ({}, [], None, None)
    form = None
    if form_class is not None:
        values = {**_schema_defaults(schema), **_current_data(task)}
        form = form_class(data=initial_values(form_class, values, _tz()))
        _fill_picker_labels(form)
    return _render(task, form, choices, workable)


def _submit(task: HumanTask) -> Any:
    schema, choices, deciding, form_class = _form_parts(task)
    form = form_class()
    general: list[str] = []
    chosen = None
    if choices:
        chosen = next((c for c in choices if c.flow_id == request.form.get("choice")), None)
        if chosen is None:
            general.append(_("Choose one of the variants below."))
    if not form.validate() or general:
        _fill_picker_labels(form)
        return _render(task, form, choices, True, general=general, status=422)
    data = form_data(form, schema, _tz(), store_upload)
    if chosen is not None and deciding:
        data[deciding] = chosen.value
    try:
        complete_task(task.id, current_user.id, data, current_user.lane_keys)
    except FormDataInvalid as exc:
        general = attach_errors(form, exc.errors)
        _fill_picker_labels(form)
        return _render(task, form, choices, True, general=general, status=422)
    except TaskAlreadyCompleted as exc:
        flash(_("Someone completed this task already (%(when)s).", when=_when(exc)), "warning")
        return redirect(url_for("main.my_tasks"), 303)
    except (TaskNotOpen, TaskNotYours, InstanceNotRunning):
        return _not_workable(get_task(task.id))
    except StepFailed as exc:
        current_app.logger.warning("task %s: %s", task.id, exc)
        general = [_("The process could not continue after this step: %(reason)s", reason=str(exc))]
        _fill_picker_labels(form)
        return _render(task, form, choices, True, general=general, status=422)
    following = next_task_for(current_user, task.instance_id)
    flash(_("“%(step)s” is done.", step=task.element_name or task.element_id), "success")
    if following is not None:
        return redirect(url_for("main.task", task_id=following.id), 303)
    subject = task_subject(current_user, task)
    if subject is not None:
        endpoint = "main.interest_card" if subject.kind == "interest" else "main.ticket_card"
        key = "interest_id" if subject.kind == "interest" else "ticket_id"
        return redirect(url_for(endpoint, **{key: subject.id}), 303)
    return redirect(url_for("main.my_tasks"), 303)


def _when(exc: TaskAlreadyCompleted) -> str:
    return format_datetime(exc.completed_at) if exc.completed_at else ""


def _not_workable(task: HumanTask) -> Response:
    if task.status != OPEN:
        flash(_("This task is no longer open."), "warning")
    else:
        flash(_("This task belongs to someone else or to a lane you are not in."), "danger")
    return redirect(url_for("main.task", task_id=task.id), 303)


def _render(
    task: HumanTask,
    form: GeneratedForm | None,
    choices: list[TaskChoice],
    workable: bool,
    *,
    general: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    subject = task_subject(current_user, task)
    steps = step_history(events_for_instance(task.instance_id))
    html = render_template(
        "tasks/task.html",
        task=task,
        form=form,
        choices=choices,
        workable=workable,
        general_errors=general or [],
        subject=subject,
        steps=steps,
        instructions=markdown_html(task.instructions),
        now=utcnow(),
        deadline_state=deadline_state,
        badge_classes=BADGE_CLASSES,
        priority_labels=PRIORITY_LABELS,
        is_upload=is_upload,
        active_section="main",
    )
    return html, status


def _tz() -> str:
    return str(getattr(current_user, "timezone", None) or current_app.config["DEFAULT_TIMEZONE"])


def _schema_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        name: prop["default"] for name, prop in (schema.get("properties") or {}).items() if "default" in prop
    }


def _current_data(task: HumanTask) -> dict[str, Any]:
    """The process data at this step (a step sent back for revision shows what was entered before)."""
    try:
        return instance_data(task.instance_id)
    except EngineError:  # pre-filling is a convenience; the form still works empty
        current_app.logger.exception("could not read the data of instance %s", task.instance_id)
        return {}


def _fill_picker_labels(form: GeneratedForm) -> None:
    for name, widget in form.widgets.items():
        field = form[name]
        if widget in KINDS and field.data is not None and not getattr(field, "selected_label", ""):
            try:
                field.selected_label = pickable_label(current_user, widget, int(field.data)) or ""
            except (TypeError, ValueError):
                field.selected_label = ""


@bp.route("/pickers/<kind>", endpoint="picker_options")
@role_required("employee", "manager")
def picker_options(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    found = search_pickable(current_user, kind, request.args.get("q", "")[:100])
    return render_template("tasks/_picker_options.html", options=found)


@bp.route("/files/<token>/<name>", endpoint="task_file")
@role_required("employee", "manager")
def task_file(token: str, name: str) -> Response:
    path = upload_path(f"upload:{token}/{name}")
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=name)
