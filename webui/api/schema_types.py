"""Building blocks of the API's JSON Schemas (JSON Schema 2020-12, as OpenAPI 3.1 uses it)."""

from __future__ import annotations

from typing import Any

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
# Ids end where PostgreSQL ``integer`` keys do; a bigger one would overflow the database, not find nothing.
MAX_ID = 2**31 - 1
ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
BOOL: dict[str, Any] = {"type": "boolean"}
TIME: dict[str, Any] = {"type": "string", "format": "date-time"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null (JSON Schema 2020-12 style, as OpenAPI 3.1 wants it)."""
    if "type" in schema and "enum" not in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": [*types, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    properties: dict[str, Any], required: tuple[str, ...] = (), *, closed: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


def output(properties: dict[str, Any]) -> dict[str, Any]:
    """A response object: every listed property is always present."""
    return obj(properties, tuple(properties))


def page(item: str) -> dict[str, Any]:
    return output(
        {
            "items": {"type": "array", "items": ref(item)},
            "page": INT,
            "per_page": INT,
            "total": INT,
            "next": {**nullable(STR), "description": "Link to the next page; null on the last page."},
        }
    )


STRINGS = {"type": "array", "items": STR}
PHONES = {"anyOf": [STRINGS, STR], "description": "A list, or one string with values separated by commas."}
AMOUNT = {
    "anyOf": [{"type": "number", "minimum": 0}, STR],
    "description": "Decimal; a string keeps precision.",
}

CLIENT_TEXT = ("legal_name", "inn", "kpp", "legal_address", "actual_address", "website", "description")
LINKS = ("client_id", "contact_id", "lead_id", "interest_id", "ticket_id")
