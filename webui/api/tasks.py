"""My tasks: list, read with the form's JSON Schema, claim, complete with form data."""

from __future__ import annotations

from typing import Any

from flask import request

from crm.accounts.models import EMPLOYEE, MANAGER
from crm.workplaces.task_access import may_view_task, may_work_on, task_subject
from crm.workplaces.tasks import SORTS, TaskListFilters, task_list, task_row
from engine.humantask_model import OPEN, HumanTask
from engine.humantasks import claim, complete_task, get_task, task_form_schema
from webui.api.core import (
    PAGE_PARAMS,
    ApiProblem,
    Param,
    actor,
    operation,
    page_of,
    paging,
    query_bool,
    query_choice,
    query_int,
)
from webui.api.serializers import task_json

WORKING = (EMPLOYEE, MANAGER)


@operation(
    "GET",
    "/tasks",
    summary="Your open tasks",
    tag="Tasks",
    params=(
        Param("process", {"type": "string"}, "Only this route map (its key)."),
        Param("client_id", {"type": "integer"}, "Only tasks about this client's interests and appeals."),
        Param("overdue", {"type": "boolean"}, "true: only overdue ones."),
        Param("due_today", {"type": "boolean"}, "true: only those due today (in your time zone)."),
        Param("mine", {"type": "boolean"}, "true: only those assigned to you (not your lanes' free ones)."),
        Param("min_priority", {"type": "integer"}, "Only this priority or higher."),
        Param(
            "order", {"enum": list(SORTS), "default": "due"}, "Soonest deadline, priority, or newest first."
        ),
        *PAGE_PARAMS,
    ),
    ok=(200, "TaskPage"),
    roles=WORKING,
)
def tasks_list() -> Any:
    """Assigned to you, or unassigned in one of your lanes — the same list as the My tasks page."""
    page, per_page = paging()
    filters = TaskListFilters(
        process_key=request.args.get("process") or None,
        client_id=query_int("client_id"),
        due_today=bool(query_bool("due_today")),
        overdue=bool(query_bool("overdue")),
        min_priority=query_int("min_priority"),
        mine_only=bool(query_bool("mine")),
    )
    order = query_choice("order", SORTS) or "due"
    found = task_list(actor(), filters, order=order, page=page, per_page=per_page)
    items = [task_json(row.task, row.process_name, row.subject) for row in found.rows]
    return page_of(items, found.total, page, per_page)


def _visible(task_id: int) -> HumanTask:
    task = get_task(task_id)
    if not may_view_task(actor(), task):
        raise ApiProblem(403, "Access denied", f"You have no access to task {task_id}.")
    return task


def _detail(task: HumanTask) -> dict[str, Any]:
    row = task_row(task)
    workable = task.status == OPEN and may_work_on(actor(), task)
    return {
        **task_json(task, row.process_name, task_subject(actor(), task)),
        "instructions": task.instructions or "",
        "workable": workable,
        "form": task_form_schema(task.id) if task.form_name else None,
    }


@operation(
    "GET",
    "/tasks/{task_id}",
    summary="One task with its form schema",
    tag="Tasks",
    ok=(200, "TaskDetail"),
    problems=(404,),
    roles=WORKING,
)
def tasks_get(task_id: int) -> Any:
    """`form` is the JSON Schema that `complete` checks the data against."""
    return _detail(_visible(task_id))


@operation(
    "POST",
    "/tasks/{task_id}/claim",
    summary="Take a task of one of your lanes",
    tag="Tasks",
    ok=(200, "TaskDetail"),
    problems=(404, 409),
    roles=WORKING,
)
def tasks_claim(task_id: int) -> Any:
    """403 when it is someone else's or not in your lanes; 409 when it is no longer open."""
    user = actor()
    return _detail(claim(task_id, user.id, user.lane_keys))


@operation(
    "POST",
    "/tasks/{task_id}/complete",
    summary="Complete a task with its form data",
    tag="Tasks",
    body="TaskCompletion",
    ok=(200, "TaskDetail"),
    problems=(404, 409),
    roles=WORKING,
    description="`data` is checked against the task's form: 422 lists every invalid field in `errors`. "
    "409 when someone completed it already (with `completed_by` and `completed_at`). The route map then "
    "runs on to its next step.",
)
def tasks_complete(task_id: int, body: dict[str, Any]) -> Any:
    user = actor()
    task = complete_task(task_id, user.id, body["data"], user.lane_keys)
    return _detail(task)
