"""The API's one declarative route table: each ``@operation`` adds a Flask rule AND its OpenAPI description.

Because a route can only be added through ``operation``, the document (``webui.api.openapi``) cannot miss a
route; a test also compares the app's ``/api/v1`` rules with the documented paths. Request bodies are checked
here against their declared JSON Schema, so every view receives a well-formed ``body`` dict.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, g, request
from jsonschema import Draft202012Validator

from crm.accounts.models import User
from webui.api.schema_types import MAX_ID
from webui.api.schemas import COMPONENTS

API_PREFIX = "/api/v1"
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25

v1 = Blueprint("v1", __name__, url_prefix="/v1")


class ApiProblem(Exception):
    """Stop a view with a problem document: ``status``, ``title``, ``detail`` and extra members."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


@dataclass(frozen=True)
class Param:
    """A query or path parameter of an operation."""

    name: str
    schema: dict[str, Any]
    description: str
    location: str = "query"
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI form, relative to /api/v1: "/clients/{client_id}"
    endpoint: str
    summary: str
    tag: str
    description: str
    params: tuple[Param, ...]
    body: str | None  # component schema name of the JSON body
    ok_status: int
    ok_schema: str | None  # component schema name of the success body (None: no body)
    problems: tuple[int, ...]
    public: bool = False
    roles: tuple[str, ...] = field(default=())


OPERATIONS: list[Operation] = []
_PATH_PARAM = re.compile(r"{(\w+)}")


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    description: str = "",
    params: Sequence[Param] = (),
    body: str | None = None,
    ok: tuple[int, str | None] = (200, None),
    problems: Sequence[int] = (),
    public: bool = False,
    roles: Sequence[str] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view under ``/api/v1`` + ``path`` for ``method`` and describe it for the OpenAPI document.

    Path parameters (``{name}``) are whole numbers. ``body`` names the request schema: the view then gets a
    validated ``body`` keyword. ``roles`` (any of) are checked before the view runs (administrators pass).
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(**kwargs: Any) -> Any:
            if roles and not actor().has_role(*roles):
                raise ApiProblem(403, "Access denied", f"This needs one of the roles: {', '.join(roles)}.")
            if body is not None:
                kwargs["body"] = json_body(body)
            return view(**kwargs)

        path_params = tuple(
            Param(name, {"type": "integer", "minimum": 1}, f"The {name.replace('_', ' ')}.", "path", True)
            for name in _PATH_PARAM.findall(path)
        )
        standard = {400, 500} | ({401} if not public else set()) | ({403} if roles else set())
        standard |= {422} if body is not None else set()
        OPERATIONS.append(
            Operation(
                method=method.upper(),
                path=path,
                endpoint=f"api.v1.{view.__name__}",
                summary=summary,
                tag=tag,
                description=description or (view.__doc__ or "").strip(),
                params=path_params + tuple(params),
                body=body,
                ok_status=ok[0],
                ok_schema=ok[1],
                problems=tuple(sorted(standard | set(problems))),
                public=public,
                roles=tuple(roles),
            )
        )
        v1.add_url_rule(
            _PATH_PARAM.sub(r"<int:\1>", path), endpoint=view.__name__, view_func=wrapped, methods=[method]
        )
        return wrapped

    return decorator


def is_public(endpoint: str | None) -> bool:
    return any(op.endpoint == endpoint and op.public for op in OPERATIONS)


def actor() -> User:
    """The user the request's token belongs to (set by ``webui.api.auth``)."""
    user: User = g.api_user
    return user


def json_body(schema_name: str) -> dict[str, Any]:
    """The request's JSON object, checked against component ``schema_name``.

    400 when the body is not JSON or not an object; 422 listing every field that breaks the schema.
    """
    if not request.is_json:
        raise ApiProblem(400, "Malformed request", "Send a JSON object with Content-Type: application/json.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiProblem(400, "Malformed JSON", "The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiProblem(400, "Malformed request", "The request body must be a JSON object.")
    errors = schema_errors(schema_name, data)
    if errors:
        raise ApiProblem(422, "Invalid input", "Some fields are missing or invalid.", errors=errors)
    return data


def schema_errors(schema_name: str, data: Any) -> dict[str, str]:
    """``{field: message}`` for every place ``data`` breaks component ``schema_name`` (empty when valid)."""
    validator = _validator(schema_name)
    found: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        where = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = re.findall(r"'([^']+)' is a required property", error.message)
            where = ".".join(filter(None, [where, *missing[:1]]))
            message = "this field is required"
        elif error.validator == "additionalProperties":
            extra = re.findall(r"'([^']+)'", error.message)
            where = ".".join(filter(None, [where, *extra[:1]]))
            message = "unknown field"
        else:
            message = error.message
        found.setdefault(where or "_body", message)
    return found


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": COMPONENTS}}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


# --- query parameters and paging -------------------------------------------------------------------------

PAGE_PARAMS = (
    Param("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number, from 1."),
    Param(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        "Items per page.",
    ),
)


def query_int(name: str, default: int | None = None, *, minimum: int | None = None) -> int | None:
    """An integer query parameter; 400 naming the parameter when it is not one."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiProblem(
            400, "Bad parameter", f"{name} must be a whole number.", errors={name: "not a number"}
        ) from None
    if minimum is not None and value < minimum:
        raise ApiProblem(
            400, "Bad parameter", f"{name} must be at least {minimum}.", errors={name: "too small"}
        )
    if abs(value) > MAX_ID:  # the database's integers end here; a bigger number overflows, not "finds none"
        raise ApiProblem(
            400, "Bad parameter", f"{name} must be at most {MAX_ID}.", errors={name: "too large"}
        )
    return value


def query_bool(name: str) -> bool | None:
    raw = request.args.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    raise ApiProblem(400, "Bad parameter", f"{name} must be true or false.", errors={name: "not a boolean"})


def query_choice(name: str, choices: Sequence[str]) -> str | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if raw not in choices:
        raise ApiProblem(
            400,
            "Bad parameter",
            f"{name} must be one of: {', '.join(choices)}.",
            errors={name: "unknown value"},
        )
    return raw


def paging() -> tuple[int, int]:
    """``(page, per_page)`` from the query; per_page is capped at ``MAX_PER_PAGE``."""
    page = query_int("page", 1, minimum=1) or 1
    per_page = query_int("per_page", DEFAULT_PER_PAGE, minimum=1) or DEFAULT_PER_PAGE
    if per_page > MAX_PER_PAGE:
        raise ApiProblem(
            400, "Bad parameter", f"per_page is at most {MAX_PER_PAGE}.", errors={"per_page": "too large"}
        )
    return page, per_page


def link_with(**changes: Any) -> str:
    """This request's path and query with some query parameters replaced (the ``next`` link)."""
    args = {key: value for key, value in request.args.items(multi=False)}
    args.update({key: str(value) for key, value in changes.items()})
    return f"{request.path}?{urlencode(args)}"


def page_of(items: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    """A page envelope with the link to the next page (null on the last one)."""
    more = page * per_page < total
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "next": link_with(page=page + 1) if more else None,
    }
