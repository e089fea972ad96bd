"""Every failure of an API call as an RFC 9457 problem document with the right status code."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from werkzeug.exceptions import HTTPException

from crm.access import can_view_client
from crm.api_tokens import ApiTokenInvalid
from crm.errors import AccessDenied, DuplicateFound, NotFound, ValidationFailed
from crm.processes import ProcessAlreadyRunning
from engine.errors import DefinitionNotFound, FormNotFound
from engine.runtime_errors import (
    ConcurrentUpdate,
    FormDataInvalid,
    InstanceNotFound,
    InstanceNotRunning,
    NoStartableDefinition,
    StepFailed,
    TaskAlreadyCompleted,
    TaskNotFound,
    TaskNotOpen,
    TaskNotYours,
)
from webui.api.core import ApiProblem, actor
from webui.api.serializers import candidate_json, when
from webui.errors import problem as _problem_document


def problem(status: int, title: str, detail: str, **extra: Any) -> Any:
    """A problem response; whatever the failed call left pending in the session is dropped first."""
    from engine.db import db

    db.session.rollback()
    return _problem_document(status, title, detail, **extra)


def unauthorized(detail: str) -> Any:
    resp, status = problem(401, "Unauthorized", detail)
    resp.headers["WWW-Authenticate"] = 'Bearer realm="RouteMap CRM API"'
    return resp, status


def init_problems(bp: Blueprint) -> None:
    """Turn the domain errors raised inside API views into problems (views never catch them)."""

    @bp.errorhandler(ApiProblem)
    def api_problem(exc: ApiProblem) -> Any:
        return problem(exc.status, exc.title, exc.detail, **exc.extra)

    @bp.errorhandler(ApiTokenInvalid)
    def token_invalid(exc: ApiTokenInvalid) -> Any:
        return unauthorized(str(exc))

    @bp.errorhandler(AccessDenied)
    def access_denied(exc: AccessDenied) -> Any:
        return problem(403, "Access denied", _sentence(exc))

    @bp.errorhandler(TaskNotYours)
    def not_yours(exc: TaskNotYours) -> Any:
        return problem(403, "Not your task", _sentence(exc))

    for not_found in (NotFound, TaskNotFound, InstanceNotFound, DefinitionNotFound, FormNotFound):
        bp.register_error_handler(not_found, lambda exc: problem(404, "Not found", _sentence(exc)))

    @bp.errorhandler(ValidationFailed)
    def invalid(exc: ValidationFailed) -> Any:
        return problem(422, "Invalid input", "Some fields are missing or invalid.", errors=exc.field_errors)

    @bp.errorhandler(FormDataInvalid)
    def form_invalid(exc: FormDataInvalid) -> Any:
        errors: dict[str, str] = {}
        for path, message in exc.errors:
            errors.setdefault(path.replace("/", ".") or "_form", message)
        return problem(422, "Invalid form data", "The data does not match the task's form.", errors=errors)

    @bp.errorhandler(StepFailed)
    def step_failed(exc: StepFailed) -> Any:
        detail = f"The process could not continue, so nothing was saved: {exc}"
        return problem(422, "Process step failed", detail, errors={"process": str(exc)})

    @bp.errorhandler(DuplicateFound)
    def duplicate(exc: DuplicateFound) -> Any:
        candidates = [candidate_json(c, _may_open(c.client_id)) for c in exc.candidates]
        detail = "Cards like this one exist. Use one of them, or send allow_duplicate: true to create anyway."
        return problem(409, "Possible duplicate", detail, candidates=candidates)

    @bp.errorhandler(TaskAlreadyCompleted)
    def already_completed(exc: TaskAlreadyCompleted) -> Any:
        return problem(
            409,
            "Task already completed",
            _sentence(exc),
            completed_by=exc.completed_by,
            completed_at=when(exc.completed_at),
        )

    conflicts = (
        TaskNotOpen,
        InstanceNotRunning,
        ConcurrentUpdate,
        ProcessAlreadyRunning,
        NoStartableDefinition,
    )
    for conflict in conflicts:
        bp.register_error_handler(conflict, lambda exc: problem(409, "Conflict", _sentence(exc)))

    @bp.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        return problem(code, exc.name, exc.description or exc.name)


def _sentence(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _may_open(client_id: int) -> bool:
    from crm.clients.models import Client
    from engine.db import db

    client = db.session.get(Client, client_id)
    return client is not None and can_view_client(actor(), client)
