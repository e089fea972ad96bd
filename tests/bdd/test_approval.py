"""Steps of features/approval.feature: the ``approval`` route map end to end on the real engine."""

from __future__ import annotations

from pytest_bdd import parsers, scenarios, then, when

from crm.processes import start_approval_process
from engine.instances import instance_data
from tests.bdd.shipped import World

scenarios("approval.feature")


def _send(
    world: World, instance: dict[str, int], author: str, title: str, names: list[str], seq: bool
) -> None:
    instance["id"] = start_approval_process(
        world.user(author),
        document_kind="contract",
        document_title=title,
        approver_ids=[world.user(n).id for n in names],
        sequential=seq,
        now=world.now,
    )


@when(parsers.parse('{author} sends the contract "{title}" to {first} and {second} all at once'))
def send_parallel(
    world: World, instance: dict[str, int], author: str, title: str, first: str, second: str
) -> None:
    _send(world, instance, author, title, [first, second], False)


@when(parsers.parse('{author} sends the contract "{title}" to {first} and {second} one after another'))
def send_sequential(
    world: World, instance: dict[str, int], author: str, title: str, first: str, second: str
) -> None:
    _send(world, instance, author, title, [first, second], True)


@then(parsers.parse('{who} does not have the task "{task}" yet'))
def not_yet(world: World, instance: dict[str, int], task: str, who: str) -> None:
    user_id = world.user(who).id
    assert [
        t for t in world.open_tasks(instance["id"]) if t.element_name == task and t.assignee_id == user_id
    ] == []


@then(parsers.parse('the approval result is "{result}"'))
def result_is(instance: dict[str, int], result: str) -> None:
    assert instance_data(instance["id"])["approval_result"] == result


@then(parsers.parse('the approval result is "{result}" after {rounds:d} rounds'))
def result_after(instance: dict[str, int], result: str, rounds: int) -> None:
    data = instance_data(instance["id"])
    assert (data["approval_result"], data["approval_round"], len(data["approval_history"])) == (
        result,
        rounds,
        rounds,
    )


@then("the late decision is marked late")
def late_marked(world: World, instance: dict[str, int]) -> None:
    verdicts = instance_data(instance["id"])["verdicts"]
    assert [(v["approver"], v["late"]) for v in verdicts] == [
        (world.user("oleg").id, True),
        (world.user("helen").id, False),
    ]
