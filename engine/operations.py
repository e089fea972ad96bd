"""The operation registry: named operations that BPMN service tasks call.

CRM code and connectors register theirs (``crm/create_interest``, ``mail/send``, ``feed/post``...) at app
start; the engine validates a service task's parameters against the operation's JSON Schema before calling it.
The engine itself knows no operation by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema

OperationFn = Callable[..., Any]


class UnknownOperation(LookupError):
    """A service task names an operation nobody registered."""


class OperationParamsInvalid(ValueError):
    """A service task's parameters do not match the operation's schema."""


@dataclass(frozen=True)
class Operation:
    name: str
    fn: OperationFn
    params_schema: dict[str, Any]
    description: str = ""
    result_schema: dict[str, Any] = field(default_factory=dict)

    def validate(self, params: dict[str, Any]) -> None:
        errors = sorted(jsonschema.Draft202012Validator(self.params_schema).iter_errors(params), key=str)
        if errors:
            msgs = "; ".join(f"{'/'.join(map(str, e.path)) or '(params)'}: {e.message}" for e in errors)
            raise OperationParamsInvalid(f"{self.name}: {msgs}")


_REGISTRY: dict[str, Operation] = {}


def register_operation(
    name: str,
    fn: OperationFn,
    params_schema: dict[str, Any] | None = None,
    *,
    description: str = "",
    result_schema: dict[str, Any] | None = None,
) -> Operation:
    """Register (or replace) the operation ``name``; ``fn(**params)`` returns the task's result variable."""
    schema = params_schema or {"type": "object"}
    jsonschema.Draft202012Validator.check_schema(schema)
    op = Operation(name, fn, schema, description, result_schema or {})
    _REGISTRY[name] = op
    return op


def get_operation(name: str) -> Operation:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownOperation(f"no operation named {name!r} is registered") from None


def list_operations() -> list[Operation]:
    """All registered operations, by name (the editor's picker reads this)."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def unregister_operation(name: str) -> None:
    _REGISTRY.pop(name, None)
