"""The OpenAPI 3.1 document, generated from the route table of ``webui.api.core`` and its schemas."""

from __future__ import annotations

from typing import Any

from webui.api.core import API_PREFIX, OPERATIONS, Operation, operation
from webui.api.schemas import COMPONENTS

PROBLEM_TEXT = {
    400: "Malformed request: not JSON, not an object, or a bad query parameter.",
    401: "No token, or the token is invalid or revoked.",
    403: "Your user may not do this.",
    404: "No such record (or it is named in the body and does not exist).",
    409: "Conflict with the current state.",
    422: "Invalid input: `errors` maps each field to its message.",
    500: "Unexpected error (logged).",
}
PROBLEM_SCHEMA = {409: "Problem", 422: "ValidationProblem"}


def openapi_document() -> dict[str, Any]:
    """The whole document: one path item per route, components from ``webui.api.schemas``."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(API_PREFIX + op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "RouteMap CRM API",
            "version": "1",
            "description": "Clients, interests, appeals, the Feed, tasks and route-map messages for "
            "integrations. Authenticate with a personal API token (user menu → API tokens): "
            "`Authorization: Bearer <token>`. The token acts with its user's rights, exactly as the pages "
            "do. Errors are RFC 9457 problem documents (`application/problem+json`).",
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerToken": []}],
    }


def _operation(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.endpoint.rsplit(".", 1)[-1],
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        doc["description"] = op.description
    if op.roles:
        doc["x-roles"] = list(op.roles)
    if op.public:
        doc["security"] = []
    if op.params:
        doc["parameters"] = [
            {
                "name": p.name,
                "in": p.location,
                "required": p.required,
                "description": p.description,
                "schema": p.schema,
            }
            for p in op.params
        ]
    if op.body:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.body}"}}},
        }
    ok: dict[str, Any] = {"description": "OK" if op.ok_status == 200 else "Created"}
    if op.ok_schema:
        ok["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.ok_schema}"}}}
    responses: dict[str, Any] = {str(op.ok_status): ok}
    for status in op.problems:
        schema = PROBLEM_SCHEMA.get(status, "Problem")
        if status == 409 and op.body in ("ClientInput", "ContactInput"):
            schema = "DuplicateProblem"
        responses[str(status)] = {
            "description": PROBLEM_TEXT.get(status, "Error"),
            "content": {"application/problem+json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    doc["responses"] = responses
    return doc


@operation(
    "GET", "/openapi.json", summary="This API's OpenAPI 3.1 document", tag="Documentation", public=True
)
def openapi_json() -> Any:
    """No token needed. A readable rendering is at /api/docs."""
    return openapi_document()
