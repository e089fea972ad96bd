"""Steps every shipped-route-map feature shares: the company, the clock, tasks and their forms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from pytest_bdd import given, parsers, then, when

from tests.bdd.shipped import World, build_world, form_value, notifications


@pytest.fixture
def world(app: Flask) -> World:
    return build_world()


@pytest.fixture
def instance(world: World) -> dict[str, int]:
    """The route-map instance the scenario is about (set by a "starts" step)."""
    return {}


@given("the shipped route maps are deployed")
def deployed(world: World) -> None:
    assert world.users


def _table(datatable: list[list[str]]) -> dict[str, Any]:
    return {row[0].strip(): form_value(row[1]) for row in datatable}


@when(parsers.parse('{who} completes "{task}" with'))
def complete_with_table(world: World, instance: dict[str, int], who: str, task: str, datatable: Any) -> None:
    world.complete(instance["id"], task, who, _table(datatable))


@then(parsers.parse('{who} has the task "{task}"'))
def has_task(world: World, instance: dict[str, int], who: str, task: str) -> None:
    row = world.task(instance["id"], task, who)
    user = world.user(who)
    assert row.assignee_id == user.id or (row.assignee_id is None and row.lane in user.lane_keys), (
        f"{task!r} is for assignee {row.assignee_id} / lane {row.lane!r}, not {who}"
    )


@then(parsers.parse('the task "{task}" is no longer open'))
def no_task(world: World, instance: dict[str, int], task: str) -> None:
    assert task not in [t.element_name for t in world.open_tasks(instance["id"])]


@when(parsers.parse("{count:d} working hours pass"))
def working_hours_pass(world: World, count: int) -> None:
    world.advance_working(f"PT{count}H")


@when(parsers.parse("{count:d} working days pass"))
def working_days_pass(world: World, count: int) -> None:
    world.advance_working(f"P{count}D")


@when(parsers.parse("{count:d} minutes pass"))
def minutes_pass(world: World, count: int) -> None:
    world.advance(timedelta(minutes=count))


@then(parsers.parse('{who} is notified "{text}"'))
def notified(world: World, who: str, text: str) -> None:
    texts = [n.text for n in notifications(world.user(who).id)]
    assert any(text in t for t in texts), f"{who} got {texts}"


@then(parsers.parse("{who} has no notification"))
def not_notified(world: World, who: str) -> None:
    assert [n.text for n in notifications(world.user(who).id)] == []


@then("the route map has finished")
def finished(instance: dict[str, int]) -> None:
    from engine.instances import get_instance

    assert get_instance(instance["id"]).status == "completed"


@then("the route map is still running")
def running(instance: dict[str, int]) -> None:
    from engine.instances import get_instance

    assert get_instance(instance["id"]).status == "running"
