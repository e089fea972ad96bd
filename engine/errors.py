"""Domain errors of the engine. Every engine error derives from ``EngineError``.

The web layer turns these into messages and status codes; each carries a message a user can read. Add new
errors at the end of this module, each under a comment naming the part of the engine that raises it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.problems import Problem


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


# --- definitions (deploy, validation, lookup) ---------------------------------------------------------------


class InvalidRouteMap(EngineError):
    """A route map (BPMN + DMN + forms) failed validation; nothing was stored.

    ``problems`` lists every problem found, each with the BPMN element id, its name, a code and a message.
    ``deployed`` is filled by ``deploy_path`` with the files that did deploy before/alongside the failing ones.
    """

    def __init__(self, problems: Sequence[Problem], deployed: Sequence[Any] = ()) -> None:
        self.problems: list[Problem] = list(problems)
        self.deployed: list[Any] = list(deployed)
        count = len(self.problems)
        first = self.problems[0].summary() if self.problems else "no details"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"invalid route map: {first}{more}")


class DefinitionNotFound(EngineError, LookupError):
    """No process definition with that id, key or version is deployed."""


class FormNotFound(EngineError, LookupError):
    """A definition has no form with that name."""


# --- script sandbox (engine/sandbox.py) -----------------------------------------------------------------------


class ScriptError(EngineError):
    """A script or condition was refused or stopped by the sandbox; the message says why (and where)."""


class ScriptSyntaxError(ScriptError, SyntaxError):
    """The script does not compile, or uses a construct the sandbox forbids (imports, ``_names``, classes...).

    Also a ``SyntaxError`` so SpiffWorkflow's DMN engine, which probes expressions by catching ``SyntaxError``,
    keeps working.
    """


class ScriptForbidden(ScriptError):
    """At run time the script reached for something the sandbox does not offer (``open``, a private attribute)."""


class ScriptTimeLimitExceeded(ScriptError):
    """The script ran longer than its step budget or its wall-clock time limit."""


class ScriptResourceLimitExceeded(ScriptError):
    """The script tried to build a value (string, list, number) or use memory beyond the sandbox's limits."""


class ScriptResultInvalid(ScriptError):
    """The script left a variable in task data that cannot be stored (not JSON-like)."""


# --- work calendar (engine/calendar*.py) ----------------------------------------------------------------------


class CalendarInvalid(EngineError, ValueError):
    """A work calendar, schedule, exception or SLA text is malformed; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class CalendarNotFound(EngineError, LookupError):
    """No work calendar with that id or name exists."""
