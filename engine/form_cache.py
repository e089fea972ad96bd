"""Compiled JSON-Schema validators of deployed forms, kept per process.

A validator is reused while the schema it was built from is still the one stored (the caller hands in the
schema it read together with the task row, so a changed form is never validated against a stale copy).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import jsonschema

FORM_CACHE_SIZE = 512
_validators: OrderedDict[tuple[int, str], tuple[dict[str, Any], Any]] = OrderedDict()
_lock = threading.Lock()


def form_validator(definition_id: int, form_name: str, schema: dict[str, Any]) -> Any:
    """The Draft 2020-12 validator of ``schema``, the form ``form_name`` of the definition."""
    key = (definition_id, form_name)
    with _lock:
        hit = _validators.get(key)
        if hit is not None and hit[0] == schema:
            _validators.move_to_end(key)
            return hit[1]
    validator = jsonschema.Draft202012Validator(schema)
    with _lock:
        _validators[key] = (schema, validator)
        while len(_validators) > FORM_CACHE_SIZE:
            _validators.popitem(last=False)
    return validator


def clear_form_cache() -> None:
    """Forget every compiled validator (tests)."""
    with _lock:
        _validators.clear()
