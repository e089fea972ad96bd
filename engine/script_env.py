"""The script engine every running workflow gets: the sandbox, business-calendar helpers, and service calls.

Service tasks (``spiffworkflow:serviceTaskOperator``) call the operation registry with their evaluated
parameters; the result (JSON-able) lands in the task's result variable. A failure propagates with its real
cause, so the runtime can open an incident instead of SpiffWorkflow's masked error, and its writes are
rolled back to a savepoint: only the incident is committed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from engine.calendar import WorkCalendar
from engine.db import db
from engine.operations import get_operation
from engine.sandbox import SandboxScriptEngine, make_script_engine


def call_operation(
    *, task_data: dict[str, Any], operation_name: str, operation_params: dict[str, Any], **_: Any
) -> str:
    """Run the registered operation ``operation_name`` with the evaluated parameter values; JSON result."""
    params = {name: spec["value"] for name, spec in operation_params.items()}
    operation = get_operation(operation_name)
    operation.validate(params)
    # Operations join the step's transaction; a SAVEPOINT lets a failing one take its own writes back (the
    # step still commits, with the incident) and keeps the session usable after a refused flush.
    with db.session.begin_nested():
        return json.dumps(operation.fn(**params))


def build_script_engine(calendar: WorkCalendar, now: datetime) -> SandboxScriptEngine:
    """A fresh script engine for one step (SpiffWorkflow does not serialize the script engine).

    Business-calendar helpers use ``calendar``; ``now()`` in scripts is the step's instant, so a step
    replayed with an injected time (tests, the scheduler) sees one consistent clock.
    """
    return make_script_engine(calendar, now_fn=lambda: now, service_caller=call_operation)
