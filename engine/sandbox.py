"""The script sandbox: SpiffWorkflow's script engine running scripts and conditions under RestrictedPython.

Every script task, gateway condition, timer expression and DMN expression of a route map goes through
:class:`SandboxScriptEngine`. Scripts are compiled once per source text (LRU cache) with the policy of
:mod:`engine.sandbox_policy`, run against a copy of the task data, and only then written back — a script that
fails half-way leaves the task data as it was. What a script leaves behind must be storable task data
(JSON-like values, plus ``datetime`` and ``timedelta`` which SpiffWorkflow's serializer converts).

The script engine is not part of a serialized workflow: after deserializing, set
``workflow.script_engine = make_script_engine(calendar)`` again.
"""

from __future__ import annotations

import builtins
import copy
import traceback
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from types import CodeType, ModuleType
from typing import TYPE_CHECKING, Any, Literal

from RestrictedPython import compile_restricted
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine.errors import (
    ScriptError,
    ScriptForbidden,
    ScriptResourceLimitExceeded,
    ScriptResultInvalid,
    ScriptSyntaxError,
    ScriptTimeLimitExceeded,
)
from engine.sandbox_policy import (
    DEFAULT_MEMORY_LIMIT_BYTES,
    MAX_SEQUENCE_LENGTH,
    JsonHelper,
    SandboxTransformer,
    ScriptAborted,
    StepBudget,
    guarded_binop,
    guarded_getattr,
    sandbox_guards,
)

if TYPE_CHECKING:
    from engine.calendar import WorkCalendar

DEFAULT_TIME_LIMIT = 2.0
SCRIPT_FILENAME = "<string>"  # SpiffWorkflow finds the failing line by this frame name
ServiceCaller = Callable[..., str]


@lru_cache(maxsize=2048)
def compile_script(source: str, mode: Literal["exec", "eval"] = "exec") -> CodeType:
    """Compile a script (``exec``) or expression (``eval``) under the sandbox policy; cached per source text.

    Raises :class:`ScriptSyntaxError` listing every problem (syntax, ``_names``, imports, classes...).
    """
    if not isinstance(source, str):
        raise ScriptSyntaxError(f"a script must be text, not {type(source).__name__}")
    try:
        return compile_restricted(source, filename=SCRIPT_FILENAME, mode=mode, policy=SandboxTransformer)
    except SyntaxError as exc:
        problems = exc.args[0] if exc.args and isinstance(exc.args[0], list | tuple) else exc.args
        raise ScriptSyntaxError("; ".join(str(p) for p in problems) or "invalid script") from None


def check_script(source: str, mode: Literal["exec", "eval"] = "exec") -> list[str]:
    """The problems the sandbox finds in a script without running it (empty when it compiles)."""
    try:
        compile_script(source, mode)
    except ScriptSyntaxError as exc:
        return [str(exc)]
    return []


# --- builtins -------------------------------------------------------------------------------------------------


def _forbidden(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ScriptForbidden(f"{name}() is not available in scripts")

    refuse.__name__ = name
    return refuse


def _bounded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_SEQUENCE_LENGTH:
        raise ScriptResourceLimitExceeded(
            f"range() of {len(result)} numbers; scripts are limited to {MAX_SEQUENCE_LENGTH}"
        )
    return result


def _guarded_sum(iterable: Any, start: Any = 0) -> Any:
    items = list(iterable)
    if not all(isinstance(i, int | float | Decimal | timedelta) for i in items):
        total = start
        for item in items:  # concatenation: every step size-checked
            total = guarded_binop("+", total, item)
        return total
    return builtins.sum(items, start)


def _guarded_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    return guarded_binop("**", base, exp) if mod is None else builtins.pow(base, exp, mod)


def _guarded_hasattr(obj: Any, name: str) -> bool:
    try:
        guarded_getattr(obj, name)
    except AttributeError:
        return False
    return True


_SAFE_BUILTIN_NAMES = [
    "abs",
    "all",
    "any",
    "bool",
    "chr",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "frozenset",
    "int",
    "isinstance",
    "len",
    "list",
    "map",
    "max",
    "min",
    "ord",
    "repr",
    "reversed",
    "round",
    "set",
    "slice",
    "sorted",
    "str",
    "tuple",
    "zip",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "Exception",
    "IndexError",
    "KeyError",
    "LookupError",
    "NameError",
    "OverflowError",
    "RuntimeError",
    "StopIteration",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
]
_FORBIDDEN_BUILTIN_NAMES = [
    "open",
    "exec",
    "eval",
    "compile",
    "input",
    "globals",
    "locals",
    "vars",
    "dir",
    "type",
    "object",
    "super",
    "memoryview",
    "bytearray",
    "bytes",
    "breakpoint",
    "help",
    "exit",
    "quit",
    "setattr",
    "delattr",
    "iter",
    "id",
    "classmethod",
    "staticmethod",
    "property",
]


def _sandbox_builtins() -> dict[str, Any]:
    table: dict[str, Any] = {name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES}
    table.update({name: _forbidden(name) for name in _FORBIDDEN_BUILTIN_NAMES})
    table.update(
        range=_bounded_range,
        sum=_guarded_sum,
        pow=_guarded_pow,
        getattr=guarded_getattr,
        hasattr=_guarded_hasattr,
    )
    return table


def _utc_now() -> datetime:
    return datetime.now(UTC)


BASE_HELPERS: dict[str, Any] = {
    "datetime": datetime,
    "date": date,
    "timedelta": timedelta,
    "timezone": timezone,
    "Decimal": Decimal,
    "json": JsonHelper(),
}


# --- task data ------------------------------------------------------------------------------------------------

_SCALARS = (str, int, float, bool, type(None), datetime, timedelta)


def check_task_value(name: str, value: Any) -> None:
    """Raise :class:`ScriptResultInvalid` unless ``value`` can be stored as task data.

    Allowed: str, int, float, bool, None, datetime, timedelta, and lists/tuples/dicts (string keys) of those.
    """
    stack: list[tuple[str, Any]] = [(name, value)]
    seen: set[int] = set()
    while stack:
        path, item = stack.pop()
        if isinstance(item, _SCALARS):
            continue
        if id(item) in seen:
            raise ScriptResultInvalid(f"variable {path!r} contains itself; task data must be a tree")
        if isinstance(item, list | tuple):
            seen.add(id(item))
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(item))
        elif isinstance(item, dict):
            seen.add(id(item))
            for key, v in item.items():
                if not isinstance(key, str):
                    raise ScriptResultInvalid(f"variable {path!r} has a non-text key {key!r}")
                stack.append((f"{path}[{key!r}]", v))
        else:
            hint = " (use str() or float())" if isinstance(item, Decimal) else ""
            hint = " (use .isoformat())" if isinstance(item, date) else hint
            raise ScriptResultInvalid(
                f"variable {path!r} holds a {type(item).__name__}, which cannot be stored in task data{hint}"
            )


# --- the environment and the engine ---------------------------------------------------------------------------


class SandboxEnvironment(TaskDataEnvironment):
    """Runs scripts and expressions against task data under RestrictedPython, a step budget and size limits."""

    def __init__(self, helpers: Mapping[str, Any], time_limit: float, memory_limit_bytes: int) -> None:
        super().__init__(environment_globals={**BASE_HELPERS, "now": _utc_now, **helpers})
        self.time_limit = time_limit
        self.memory_limit_bytes = memory_limit_bytes
        self._builtins = _sandbox_builtins()

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        code = compile_script(expression, "eval")
        scope, _guards = self._scope(context, external_context or {})
        return self._run(code, scope)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        external = external_context or {}
        code = compile_script(script, "exec")
        scope, guards = self._scope(copy.deepcopy(context), external)
        self._run(code, scope)
        result = self._collect(scope, guards, external, data_keys=set(context))
        hidden = {k: v for k, v in context.items() if k in guards}  # data keys shadowed by guard names
        context.clear()
        context.update(result)
        context.update(hidden)
        return True

    def _scope(self, data: Mapping[str, Any], external: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
        guards = sandbox_guards(StepBudget(self.time_limit, self.memory_limit_bytes))
        scope: dict[str, Any] = {"__builtins__": self._builtins, **self.globals, **external, **data, **guards}
        return scope, set(guards) | {"__builtins__"}

    def _collect(
        self, scope: dict[str, Any], guards: set[str], external: Mapping[str, Any], data_keys: set[str]
    ) -> dict[str, Any]:
        """The task data a script leaves: its variables minus helpers, guards and the functions it defined.

        Task data may shadow a helper's name (a form field called ``date``); a script may not create a
        variable with a helper's name, because it would hide the helper from every later script.
        """
        result: dict[str, Any] = {}
        for key, value in scope.items():
            if key in guards:
                continue
            provided = self.globals.get(key, external.get(key, _MISSING))
            if provided is not _MISSING and key not in data_keys:
                if value is not provided:
                    raise ScriptResultInvalid(
                        f"{key!r} is the name of a built-in helper; use another variable name"
                    )
                continue
            if callable(value) or isinstance(value, ModuleType):
                continue  # functions defined by the script live only as long as the script
            check_task_value(key, value)
            result[key] = value
        return result

    def _run(self, code: CodeType, scope: dict[str, Any]) -> Any:
        try:
            return eval(code, scope)
        except ScriptAborted as abort:
            error_class = ScriptTimeLimitExceeded if abort.kind == "time" else ScriptResourceLimitExceeded
            raise _with_line(error_class, str(abort), abort) from None
        except MemoryError as exc:
            raise _with_line(ScriptResourceLimitExceeded, "script ran out of memory", exc) from None
        except RecursionError as exc:
            raise _with_line(ScriptResourceLimitExceeded, "script recursed too deeply", exc) from None


_MISSING = object()


def _with_line(error_class: type[ScriptError], message: str, cause: BaseException) -> ScriptError:
    """The sandbox error for ``cause``, with the script line it stopped on (``line_number``, 0 if unknown)."""
    lines = [f.lineno for f in traceback.extract_tb(cause.__traceback__) if f.filename == SCRIPT_FILENAME]
    line_number = lines[-1] if lines and lines[-1] else 0
    error = error_class(f"{message} (line {line_number})" if line_number else message)
    error.line_number = line_number  # type: ignore[attr-defined]
    return error


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine with every script and expression run in the sandbox.

    ``helpers`` are extra names scripts can call (e.g. :func:`engine.calendar_sla.business_helpers`);
    ``service_caller(operation_name=..., operation_params=..., task_data=...)`` answers service tasks with a
    JSON string — failures are re-raised with their real cause (SpiffWorkflow 3.2 masks them).
    """

    def __init__(
        self,
        time_limit: float = DEFAULT_TIME_LIMIT,
        helpers: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
        *,
        memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT_BYTES,
        service_caller: ServiceCaller | None = None,
    ) -> None:
        # Not super().__init__: the environment (builtins table, helpers) is built on first use, because
        # most engine steps evaluate no script or expression at all. ``helpers`` may be a function that
        # returns them, called then.
        self._environment: SandboxEnvironment | None = None
        self._environment_args = (helpers, time_limit, memory_limit_bytes)
        self.service_caller = service_caller

    @property
    def environment(self) -> SandboxEnvironment:
        if self._environment is None:
            helpers, time_limit, memory_limit_bytes = self._environment_args
            table = helpers() if callable(helpers) else helpers
            self._environment = SandboxEnvironment(table or {}, time_limit, memory_limit_bytes)
        return self._environment

    @environment.setter
    def environment(self, value: SandboxEnvironment) -> None:
        self._environment = value

    def validate(self, expression: str) -> None:
        compile_script(expression, "exec")

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except WorkflowTaskException:
            raise
        except Exception as exc:
            message = f"Error evaluating expression {expression!r}: {type(exc).__name__}: {exc}"
            raise WorkflowTaskException(message, task=task, exception=exc) from exc

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except Exception as exc:
            wrapped = self.create_task_exec_exception(task, script, exc)
            line_number = getattr(exc, "line_number", 0)
            if not wrapped.line_number and line_number:  # the sandbox knew the line; its traceback is gone
                wrapped.line_number = line_number
                wrapped.error_line = script.splitlines()[line_number - 1]
            raise wrapped from exc

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        if self.service_caller is None:
            raise WorkflowTaskException("no service caller is configured for service tasks", task=task)
        try:
            return self.service_caller(task_data=task.data, **kwargs)
        except Exception as exc:
            name = kwargs.get("operation_name", "?")
            message = f"Service call {name!r} failed: {type(exc).__name__}: {exc}"
            raise WorkflowTaskException(message, task=task, exception=exc) from exc


def make_script_engine(
    calendar: WorkCalendar | None = None,
    *,
    now_fn: Callable[[], datetime] = _utc_now,
    time_limit: float = DEFAULT_TIME_LIMIT,
    service_caller: ServiceCaller | None = None,
) -> SandboxScriptEngine:
    """A sandboxed script engine with the business-calendar helpers of ``calendar``.

    ``calendar`` defaults to :meth:`WorkCalendar.default` (9–18 Mon–Fri, Europe/Moscow, RU holidays). Call it
    again after every deserialization: SpiffWorkflow does not serialize the script engine.
    """
    from engine.calendar import WorkCalendar
    from engine.calendar_sla import business_helpers

    def helpers() -> dict[str, Any]:
        return {"now": now_fn, **business_helpers(calendar or WorkCalendar.default(), now_fn)}

    return SandboxScriptEngine(time_limit=time_limit, helpers=helpers, service_caller=service_caller)


__all__ = [
    "DEFAULT_TIME_LIMIT",
    "SandboxEnvironment",
    "SandboxScriptEngine",
    "ScriptError",
    "check_script",
    "check_task_value",
    "compile_script",
    "make_script_engine",
]
