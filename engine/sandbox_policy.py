"""What a sandboxed script may do: the compile-time policy and the run-time guards RestrictedPython calls.

RestrictedPython rewrites attribute access, item access, iteration and in-place operators into calls of
guard functions (``_getattr_``, ``_getitem_``, ``_getiter_``, ``_write_``, ``_inplacevar_``...). On top of
that, :class:`SandboxTransformer` rewrites

* ``+``, ``*``, ``**``, ``<<`` and ``%`` into ``_binop_(op, a, b)`` so a string, list or integer cannot grow
  past the size limits in one operation (``'a' * 10**10``, ``2 ** 10**9``, ``'%999999999d' % 1``);
* each ``while`` body, each function call and each lambda call into a ``_step_()`` tick, and every iteration
  (``for``, comprehensions) through a counting ``_getiter_`` — a deterministic step budget that stops
  ``while True: pass`` without threads or ``sys.settrace``;
* f-string fields into ``_format_(value, conversion, spec)`` so format specs cannot ask for huge widths.

Bare ``except:`` is refused at compile time: the abort raised when the budget runs out derives from
``BaseException`` so that ``except Exception`` inside a script cannot swallow it.
"""

from __future__ import annotations

import ast
import json
import re
import resource
import string
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from engine.errors import ScriptForbidden, ScriptResourceLimitExceeded

MAX_SEQUENCE_LENGTH = 1_000_000  # characters of a string / items of a list built in one operation
MAX_INT_BITS = 65_536
MAX_FORMAT_WIDTH = 10_000
STEPS_PER_SECOND = 500_000  # the step budget is time_limit * STEPS_PER_SECOND
CLOCK_CHECK_EVERY = 1024  # steps between wall-clock and memory checks
DEFAULT_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024


class ScriptAborted(BaseException):
    """Raised inside a running script when its budget is spent; ``kind`` is "time" or "memory"."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


class SandboxTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus size guards, step ticks, guarded f-strings and no bare ``except``."""

    _GUARDED_OPS: dict[type[ast.operator], str] = {
        ast.Add: "+",
        ast.Mult: "*",
        ast.Pow: "**",
        ast.LShift: "<<",
        ast.Mod: "%",
    }

    def visit_Module(self, node: ast.Module) -> Any:
        visited = super().visit_Module(node)
        assert isinstance(visited, ast.Module)
        return ast.fix_missing_locations(visited)

    def visit_Expression(self, node: ast.Expression) -> Any:
        visited = super().visit_Expression(node)
        assert isinstance(visited, ast.Expression)
        return ast.fix_missing_locations(visited)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        symbol = self._GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        return ast.copy_location(call, node)

    def visit_While(self, node: ast.While) -> Any:
        node = self.node_contents_visit(node)
        node.body.insert(0, _step_statement(node.body[0]))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        visited = super().visit_FunctionDef(node)
        assert isinstance(visited, ast.FunctionDef)
        visited.body.insert(0, _step_statement(visited.body[0]))
        return visited

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        visited = super().visit_Lambda(node)
        assert isinstance(visited, ast.Lambda)
        # ``_step_(x)`` returns x: each call of the lambda ticks once.
        tick = ast.Call(func=ast.Name("_step_", ast.Load()), args=[visited.body], keywords=[])
        visited.body = ast.copy_location(tick, visited.body)
        return visited

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in ("print", "printed"):
            self.error(node, "print() is not available in scripts; set a variable instead")
            return node
        return super().visit_Name(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        if node.type is None:
            self.error(node, "a bare 'except:' is not allowed; name the exception, e.g. 'except ValueError:'")
        return super().visit_ExceptHandler(node)

    def visit_Import(self, node: ast.Import) -> Any:
        self.error(node, "imports are not allowed in scripts; use the helpers provided (datetime, json, ...)")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        self.error(node, "imports are not allowed in scripts; use the helpers provided (datetime, json, ...)")

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.error(node, "class definitions are not allowed in scripts")

    def visit_Global(self, node: ast.Global) -> Any:
        self.error(node, "'global' is not allowed in scripts")

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        node = self.node_contents_visit(node)
        spec: ast.expr = node.format_spec if node.format_spec is not None else ast.Constant("")
        call = ast.Call(
            func=ast.Name("_format_", ast.Load()),
            args=[node.value, ast.Constant(node.conversion), spec],
            keywords=[],
        )
        node.value = ast.copy_location(call, node.value)
        node.conversion = -1
        node.format_spec = None
        return node


def _step_statement(node: ast.AST) -> ast.stmt:
    """A ``_step_()`` statement placed on ``node``'s line, so a stopped loop reports a line of its body."""
    tick = ast.Expr(ast.Call(func=ast.Name("_step_", ast.Load()), args=[], keywords=[]))
    return ast.copy_location(tick, node)


class StepBudget:
    """Counts script steps; raises :class:`ScriptAborted` past the budget, the deadline or the memory limit."""

    __slots__ = ("_deadline", "_memory_ceiling_kb", "_remaining", "_time_limit", "steps")

    def __init__(self, time_limit: float, memory_limit_bytes: int) -> None:
        self.steps = int(time_limit * STEPS_PER_SECOND)
        self._remaining = self.steps
        self._time_limit = time_limit
        self._deadline = time.monotonic() + time_limit
        # ru_maxrss is the peak resident size (KiB on Linux); growing the peak by more than the limit is the
        # signal. Cheap enough to read every CLOCK_CHECK_EVERY steps.
        self._memory_ceiling_kb = _peak_rss_kb() + memory_limit_bytes // 1024

    def step(self, value: Any = None) -> Any:
        self._remaining -= 1
        if self._remaining % CLOCK_CHECK_EVERY == 0:
            self._check()
        return value

    def _check(self) -> None:
        if self._remaining <= 0:
            raise ScriptAborted(
                "time",
                f"script stopped: it exceeded its budget of {self.steps} steps (~{self._time_limit:g} s)",
            )
        if time.monotonic() > self._deadline:
            raise ScriptAborted("time", f"script stopped: it ran longer than {self._time_limit:g} s")
        if _peak_rss_kb() > self._memory_ceiling_kb:
            raise ScriptAborted("memory", "script stopped: it used too much memory")

    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """The ``_getiter_`` guard: iterate, ticking once per item."""
        step = self.step
        for item in iterable:
            step()
            yield item


def _peak_rss_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# --- attribute, item and write guards -------------------------------------------------------------------------

_STR_SIZE_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "replace", "join"})


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """``_getattr_`` and the ``getattr`` builtin: no ``_private``/dunder names, no frames, no ``str.format``."""
    if type(name) is not str:
        raise ScriptForbidden("attribute names must be strings")
    if name.startswith("_"):
        raise ScriptForbidden(f"access to the private attribute {name!r} is not allowed in scripts")
    if name in INSPECT_ATTRIBUTES:
        raise ScriptForbidden(f"access to the attribute {name!r} is not allowed in scripts")
    if name in ("format", "format_map") and (
        isinstance(obj, str) or (isinstance(obj, type) and issubclass(obj, str))
    ):
        raise ScriptForbidden("str.format is not allowed in scripts; use an f-string")
    if isinstance(obj, type) and issubclass(obj, str) and name in _STR_SIZE_METHODS:
        raise ScriptForbidden(f"call {name}() on a string value, not on the str type")
    if isinstance(obj, string.Formatter) or (isinstance(obj, type) and issubclass(obj, string.Formatter)):
        raise ScriptForbidden("string.Formatter is not allowed in scripts")
    value = getattr(obj, name, *default)
    if isinstance(obj, str) and name in _STR_SIZE_METHODS:
        return _size_checked_str_method(obj, name, value)
    return value


def _size_checked_str_method(text: str, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        if name == "join":
            items = list(args[0]) if args else []
            total = sum(len(i) if isinstance(i, str) else 0 for i in items) + len(text) * max(
                len(items) - 1, 0
            )
            _check_length(total)
            return method(items)
        if name == "replace":
            new = args[1] if len(args) > 1 else kwargs.get("new", "")
            _check_length(len(text) + (len(text) + 1) * len(new))
        elif name == "expandtabs":
            tabsize = args[0] if args else kwargs.get("tabsize", 8)
            _check_length(len(text) * max(int(tabsize), 1))
        elif args:
            _check_length(int(args[0]))
        return method(*args, **kwargs)

    return checked


def guarded_getitem(obj: Any, key: Any) -> Any:
    """``_getitem_``: plain item access (keys are data, not attributes)."""
    return obj[key]


_WRITABLE_TYPES = (dict, list, set)


def guarded_write(obj: Any) -> Any:
    """``_write_``: scripts may change dicts, lists and sets (their own and task data), nothing else."""
    if type(obj) in _WRITABLE_TYPES:
        return obj
    raise ScriptForbidden(f"objects of type {type(obj).__name__} cannot be modified in scripts")


# --- operators ------------------------------------------------------------------------------------------------


def _check_length(length: int) -> None:
    if length > MAX_SEQUENCE_LENGTH:
        raise ScriptResourceLimitExceeded(
            f"the result would have {length} items/characters; scripts are limited to {MAX_SEQUENCE_LENGTH}"
        )


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise ScriptResourceLimitExceeded(
            f"the result would be a {bits}-bit integer; scripts are limited to {MAX_INT_BITS} bits"
        )


_SIZED = (str, bytes, list, tuple)
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def guarded_binop(op: str, left: Any, right: Any) -> Any:
    """``_binop_``: the arithmetic operators that can build huge values, with their result size checked."""
    if op == "+":
        if isinstance(left, _SIZED) and isinstance(right, _SIZED):
            _check_length(len(left) + len(right))
        return left + right
    if op == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        if type(left) is int and type(right) is int:
            _check_bits(left.bit_length() + right.bit_length())
        return left * right
    if op == "**":
        if type(left) is int and type(right) is int and right > 0 and abs(left) > 1:
            _check_bits(left.bit_length() * right)
        return left**right
    if op == "<<":
        if type(left) is int and type(right) is int and left:
            _check_bits(left.bit_length() + right)
        return left << right
    if op == "%":
        if isinstance(left, str):
            _check_percent_format(left)
        return left % right
    raise ScriptForbidden(f"operator {op!r} is not guarded")


def _check_repeat(seq: Any, count: Any) -> None:
    if isinstance(seq, _SIZED) and isinstance(count, int) and count > 0:
        _check_length(len(seq) * count)


def _check_percent_format(fmt: str) -> None:
    for match in _PERCENT_FIELD.finditer(fmt):
        for part in match.groups():
            if part == "*":
                raise ScriptForbidden("'*' widths in % formatting are not allowed in scripts")
            if part and int(part) > MAX_FORMAT_WIDTH:
                raise ScriptResourceLimitExceeded(f"format width {part} exceeds {MAX_FORMAT_WIDTH}")


def guarded_format(value: Any, conversion: int, spec: str) -> Any:
    """``_format_``: one f-string field, with its conversion and a format spec whose numbers are bounded."""
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    for number in re.findall(r"\d+", spec):
        if int(number) > MAX_FORMAT_WIDTH:
            raise ScriptResourceLimitExceeded(f"format width {number} exceeds {MAX_FORMAT_WIDTH}")
    return format(value, spec)


_INPLACE_TO_BINOP = {"+=": "+", "*=": "*", "**=": "**", "<<=": "<<", "%=": "%"}
_INPLACE_PLAIN: dict[str, Callable[[Any, Any], Any]] = {
    "-=": lambda a, b: a - b,
    "/=": lambda a, b: a / b,
    "//=": lambda a, b: a // b,
    ">>=": lambda a, b: a >> b,
    "&=": lambda a, b: a & b,
    "|=": lambda a, b: a | b,
    "^=": lambda a, b: a ^ b,
    "@=": lambda a, b: a @ b,
}


def guarded_inplacevar(op: str, left: Any, right: Any) -> Any:
    """``_inplacevar_``: ``x += y`` and friends, through the same size guards as the binary operators."""
    if op in _INPLACE_TO_BINOP:
        if op == "+=" and type(left) is list and not isinstance(right, _SIZED):
            right = list(right)  # list += iterable: materialise once, then size-check
        return guarded_binop(_INPLACE_TO_BINOP[op], left, right)
    try:
        return _INPLACE_PLAIN[op](left, right)
    except KeyError:
        raise ScriptForbidden(f"operator {op!r} is not allowed in scripts") from None


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``_apply_``: calls written with ``*args``/``**kwargs``."""
    return func(*args, **kwargs)


class JsonHelper:
    """The ``json`` name in scripts: ``loads`` and ``dumps`` only, without hooks or custom encoder classes."""

    __slots__ = ()

    @staticmethod
    def loads(text: str) -> Any:
        """Parse JSON text."""
        _check_length(len(text))
        return json.loads(text)

    @staticmethod
    def dumps(
        value: Any, indent: int | None = None, sort_keys: bool = False, ensure_ascii: bool = False
    ) -> str:
        """Serialise a value to JSON text."""
        return json.dumps(value, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii, default=str)


def sandbox_guards(budget: StepBudget) -> dict[str, Any]:
    """The hidden names every compiled script refers to, bound to one run's budget."""
    return {
        "_getattr_": guarded_getattr,
        "_getitem_": guarded_getitem,
        "_getiter_": budget.iterate,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": guarded_write,
        "_inplacevar_": guarded_inplacevar,
        "_apply_": guarded_apply,
        "_binop_": guarded_binop,
        "_format_": guarded_format,
        "_step_": budget.step,
    }
