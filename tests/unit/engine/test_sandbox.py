"""The script sandbox: known escapes are refused with clear errors, ordinary scripts and conditions work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.errors import (
    ScriptError,
    ScriptForbidden,
    ScriptResourceLimitExceeded,
    ScriptResultInvalid,
    ScriptSyntaxError,
    ScriptTimeLimitExceeded,
)
from engine.sandbox import SandboxEnvironment, SandboxScriptEngine, check_script, compile_script

FIXED_NOW = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)


@pytest.fixture
def env() -> SandboxEnvironment:
    engine = SandboxScriptEngine(time_limit=2.0, helpers={"now": lambda: FIXED_NOW})
    return engine.environment


def run(env: SandboxEnvironment, script: str, **data: Any) -> dict[str, Any]:
    env.execute(script, data)
    return data


ESCAPES = [
    ("().__class__.__base__.__subclasses__()", ScriptSyntaxError, "__subclasses__"),
    ("x = __import__('os')", ScriptSyntaxError, "__import__"),
    ("import os", ScriptSyntaxError, "imports are not allowed"),
    ("from os import path", ScriptSyntaxError, "imports are not allowed"),
    ("x = open('/etc/passwd').read()", ScriptForbidden, "open() is not available"),
    ("x = [].__class__", ScriptSyntaxError, "__class__"),
    ("x = getattr(data, '__globals__')", ScriptForbidden, "private attribute '__globals__'"),
    ("x = getattr(data, '__class__')", ScriptForbidden, "private attribute '__class__'"),
    ("x = (lambda: 0).__code__", ScriptSyntaxError, "__code__"),
    ("g = (i for i in [1])\nf = g.gi_frame", ScriptSyntaxError, "gi_frame"),
    ("g = (i for i in [1])\nf = getattr(g, 'gi_frame')", ScriptForbidden, "gi_frame"),
    ("x = '{0.__class__}'.format(1)", ScriptForbidden, "str.format is not allowed"),
    ("x = '{0}'.format_map({})", ScriptForbidden, "str.format is not allowed"),
    ("x = str.join('', ['a'])", ScriptForbidden, "not on the str type"),
    ("x = type(1)", ScriptForbidden, "type() is not available"),
    ("x = eval('1')", ScriptSyntaxError, "Eval calls are not allowed"),
    ("x = vars()", ScriptForbidden, "vars() is not available"),
    ("x = globals()", ScriptForbidden, "globals() is not available"),
    ("class A:\n    pass", ScriptSyntaxError, "class definitions are not allowed"),
    ("print('hi')", ScriptSyntaxError, "print() is not available"),
    ("d = date(2025, 1, 1)\nd.year = 2", ScriptForbidden, "objects of type date cannot be modified"),
    ("now().year = 1", ScriptForbidden, "cannot be modified"),
]


@pytest.mark.parametrize(("script", "error", "message"), ESCAPES, ids=[e[0][:40] for e in ESCAPES])
def test_escape_attempts_are_refused_with_a_clear_error(
    env: SandboxEnvironment, script: str, error: type[ScriptError], message: str
) -> None:
    data: dict[str, Any] = {"data": {"a": 1}}
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        env.execute(script, data)
    assert data == {"data": {"a": 1}}


RUNAWAYS = [
    ("while True:\n    pass", ScriptTimeLimitExceeded, "exceeded its budget"),
    (
        "while True:\n    try:\n        x = 1\n    except Exception:\n        pass",
        ScriptTimeLimitExceeded,
        "budget",
    ),
    (
        "def f(n):\n    return 1 if n == 0 else f(n - 1) + f(n - 1)\nx = f(60)",
        ScriptTimeLimitExceeded,
        "budget",
    ),
    ("f = lambda n: 1 if n == 0 else f(n - 1) + f(n - 1)\nx = f(60)", ScriptTimeLimitExceeded, "budget"),
    ("x = [i * j for i in range(100000) for j in range(100000)]", ScriptTimeLimitExceeded, "budget"),
    ("x = sum(range(10**12))", ScriptResourceLimitExceeded, "range"),
    ("x = 'a' * 10**10", ScriptResourceLimitExceeded, "10000000000 items/characters"),
    ("x = [0] * 10**10", ScriptResourceLimitExceeded, "items/characters"),
    ("x = 2 ** 10**9", ScriptResourceLimitExceeded, "bit integer"),
    ("x = pow(2, 10**9)", ScriptResourceLimitExceeded, "bit integer"),
    ("x = 1 << 10**10", ScriptResourceLimitExceeded, "bit integer"),
    ("s = 'ab'\nwhile True:\n    s += s", ScriptResourceLimitExceeded, "items/characters"),
    ("s = ['ab'] * 2000\nx = sum([s] * 2000, [])", ScriptResourceLimitExceeded, "items/characters"),
    ("x = 'a'.ljust(10**10)", ScriptResourceLimitExceeded, "items/characters"),
    ("x = ('a' * 1000).replace('a', 'b' * 100000)", ScriptResourceLimitExceeded, "items/characters"),
    ("x = f'{1:>999999999}'", ScriptResourceLimitExceeded, "format width"),
    ("x = '%999999999d' % 1", ScriptResourceLimitExceeded, "format width"),
]


@pytest.mark.parametrize(("script", "error", "message"), RUNAWAYS, ids=[r[0][:40] for r in RUNAWAYS])
def test_runaway_scripts_are_stopped(
    env: SandboxEnvironment, script: str, error: type[ScriptError], message: str
) -> None:
    with pytest.raises(error, match=message):
        env.execute(script, {})


def test_memory_growth_is_stopped() -> None:
    env = SandboxScriptEngine(memory_limit_bytes=32 * 1024 * 1024).environment
    with pytest.raises(ScriptResourceLimitExceeded, match="too much memory"):
        env.execute("chunks = []\nwhile True:\n    chunks.append('x' * 100000 + str(len(chunks)))", {})


def test_step_budget_scales_with_the_time_limit() -> None:
    # 200 000 iterations fit the budget of 1 s (500 000 steps) but not of 0.1 s (50 000 steps).
    script = "n = 0\nfor i in range(200000):\n    n += 1"
    data: dict[str, Any] = {}
    SandboxScriptEngine(time_limit=1.0).environment.execute(script, data)
    assert data["n"] == 200000
    with pytest.raises(ScriptTimeLimitExceeded, match="50000 steps"):
        SandboxScriptEngine(time_limit=0.1).environment.execute(script, {})


def test_the_time_limit_error_names_the_line(env: SandboxEnvironment) -> None:
    with pytest.raises(ScriptTimeLimitExceeded, match=r"\(line 4\)"):
        env.execute("a = 1\nb = 2\nwhile a:\n    b = 3", {})


def test_conditions_evaluate_against_task_data(env: SandboxEnvironment) -> None:
    condition = "amount > 1000 and stage == 'qualified'"
    assert env.evaluate(condition, {"amount": 1500, "stage": "qualified"}) is True
    assert env.evaluate(condition, {"amount": 1500, "stage": "new"}) is False
    assert env.evaluate(condition, {"amount": 10, "stage": "qualified"}) is False


def test_scripts_set_and_change_variables(env: SandboxEnvironment) -> None:
    data = run(
        env,
        "total = sum(item['price'] * item['qty'] for item in items)\n"
        "items.append({'price': 1, 'qty': 1})\n"
        "summary = {'count': len(items)}\n"
        "summary['label'] = f'{len(items)} items, {total:.2f}'\n"
        "for key, value in summary.items():\n"
        "    last = key\n"
        "n = 1\n"
        "n += 2\n"
        "del obsolete\n"
        "def helper(x):\n"
        "    return x * 2\n"
        "doubled = helper(n)",
        items=[{"price": 10.5, "qty": 2}],
        obsolete=True,
    )
    assert data == {
        "items": [{"price": 10.5, "qty": 2}, {"price": 1, "qty": 1}],
        "total": 21.0,
        "summary": {"count": 2, "label": "2 items, 21.00"},
        "key": "label",
        "value": "2 items, 21.00",
        "last": "label",
        "n": 3,
        "doubled": 6,
    }


def test_date_arithmetic_and_helpers(env: SandboxEnvironment) -> None:
    data = run(
        env,
        "due = now() + timedelta(hours=4)\n"
        "start = datetime(2025, 1, 9, 9, 0, tzinfo=timezone.utc)\n"
        "days_open = (now() - start).days\n"
        "weekday = date(2025, 3, 14).isoweekday()\n"
        "price = str(Decimal('10.10') * 3)\n"
        "payload = json.dumps({'a': [1, 2]})\n"
        "parsed = json.loads(payload)['a']",
    )
    assert data["due"] == FIXED_NOW + timedelta(hours=4)
    assert data["days_open"] == 64
    assert data["weekday"] == 5
    assert data["price"] == "30.30"
    assert data["parsed"] == [1, 2]


def test_a_script_failing_midway_leaves_task_data_unchanged(env: SandboxEnvironment) -> None:
    data: dict[str, Any] = {"items": [1], "status": "new"}
    with pytest.raises(ZeroDivisionError):
        env.execute("status = 'half'\nitems.append(2)\nx = 1 / 0\nstatus = 'done'", data)
    assert data == {"items": [1], "status": "new"}


def test_script_exceptions_can_be_caught_inside_the_script(env: SandboxEnvironment) -> None:
    data = run(env, "try:\n    x = int('abc')\nexcept ValueError:\n    x = -1")
    assert data == {"x": -1}


def test_bare_except_is_refused(env: SandboxEnvironment) -> None:
    with pytest.raises(ScriptSyntaxError, match="bare 'except:'"):
        env.execute("try:\n    x = 1\nexcept:\n    pass", {})


def test_results_must_be_storable_task_data(env: SandboxEnvironment) -> None:
    with pytest.raises(ScriptResultInvalid, match="'price' holds a Decimal"):
        env.execute("price = Decimal('1.5')", {})
    with pytest.raises(ScriptResultInvalid, match="contains itself"):
        env.execute("a = []\na.append(a)", {})
    with pytest.raises(ScriptResultInvalid, match="non-text key"):
        env.execute("a = {1: 'x'}", {})


def test_a_script_cannot_hide_a_helper_but_task_data_may_share_its_name(env: SandboxEnvironment) -> None:
    with pytest.raises(ScriptResultInvalid, match="'now' is the name of a built-in helper"):
        env.execute("now = 5", {})
    assert run(env, "later = date + 1", date=1) == {"date": 1, "later": 2}


def test_compile_is_cached_per_source_and_reports_all_problems() -> None:
    source = "x = 1 + 1"
    assert compile_script(source, "exec") is compile_script(source, "exec")
    problems = check_script("a = b.__dict__\nimport os")
    assert len(problems) == 1 and "__dict__" in problems[0] and "imports" in problems[0]
    assert check_script("x = (") != []
    assert check_script("x = 1") == []
