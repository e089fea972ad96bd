"""Steps of features/sale.feature: the ``sale`` route map end to end on the real engine."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when

from crm.deals.models import Interest
from crm.processes import start_interest_process
from engine.db import db
from tests.bdd.shipped import World, new_client_interest, variants

scenarios("sale.feature")


@given(parsers.parse('{owner}\'s client "{client}" has the interest "{title}" for {amount:d}'))
def interest_of(world: World, owner: str, client: str, title: str, amount: int) -> None:
    _client_id, interest_id = new_client_interest(world, owner.lower(), client, title, amount)
    world.things["interest_id"] = interest_id
    world.things["owner"] = owner


@given("the sale route map starts for the interest")
def start_sale(world: World, instance: dict[str, int]) -> None:
    owner = world.user(world.things["owner"])
    instance["id"] = start_interest_process(owner, world.things["interest_id"], now=world.now)


@when(parsers.parse("{who} takes the interest to the commercial proposal"))
def to_proposal(world: World, instance: dict[str, int], who: str) -> None:
    world.complete(instance["id"], "Qualify the interest", who, {"verdict": "qualified"})
    world.complete(instance["id"], "Identify the needs", who, {"verdict": "proposal"})


def _interest(world: World) -> Interest:
    row = db.session.get(Interest, world.things["interest_id"], populate_existing=True)
    assert row is not None
    return row


@then(parsers.parse('the interest is at the stage "{code}"'))
def at_stage(world: World, code: str) -> None:
    interest = _interest(world)
    assert interest.stage.code == code
    assert interest.closed_at is None


@then(parsers.parse('the interest is closed as "{outcome}"'))
def closed_as(world: World, outcome: str) -> None:
    interest = _interest(world)
    assert (interest.outcome, interest.stage.code) == (outcome, outcome)
    assert interest.closed_at is not None


@then(parsers.parse('the interest is closed as "{outcome}" because "{reason}"'))
def closed_because(world: World, outcome: str, reason: str) -> None:
    closed_as(world, outcome)
    assert _interest(world).lost_reason == reason


@then(parsers.parse('the Feed of the interest shows the variants "{names}"'))
def feed_variants(world: World, names: str) -> None:
    got = variants(f"interest:{world.things['interest_id']}")
    assert got == [n.strip() for n in names.split(",")], got
