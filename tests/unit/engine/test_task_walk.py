"""``tasks_in_state`` answers exactly what SpiffWorkflow's ``get_tasks(state=...)`` answers, in the same order,
at every step of real route maps (parallel branches, subprocesses, call activities, multi-instance, boundary
events, timers, messages, loops)."""

from __future__ import annotations

import pytest
from SpiffWorkflow.util.task import TaskState
from workflow_runs import RUNS, stepped

from engine.task_walk import tasks_in_state, workflow_completed

MASKS = [
    TaskState.READY,
    TaskState.ERROR,
    TaskState.WAITING,
    TaskState.READY | TaskState.ERROR,
    TaskState.COMPLETED,
    TaskState.PREDICTED_MASK,
    TaskState.FINISHED_MASK,
    TaskState.NOT_FINISHED_MASK,
    TaskState.ANY_MASK,
]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_same_tasks_in_the_same_order_at_every_step(name: str) -> None:
    steps = 0
    for workflow in stepped(name):
        steps += 1
        for mask in MASKS:
            expected = [t.id for t in workflow.get_tasks(state=mask)]
            assert [t.id for t in tasks_in_state(workflow, mask)] == expected, (name, steps, mask)
    assert steps > 1


def test_the_run_reaches_subprocesses_and_waits() -> None:
    seen_subprocess = seen_waiting = False
    for workflow in stepped("rt_constructs"):
        seen_subprocess |= bool(workflow.subprocesses)
    for workflow in stepped("rt_timers"):
        seen_waiting |= bool(tasks_in_state(workflow, TaskState.WAITING))
    assert seen_subprocess and seen_waiting


@pytest.mark.parametrize("name", sorted(RUNS))
def test_workflow_completed_agrees_with_spiffworkflow(name: str) -> None:
    answers = []
    for workflow in stepped(name):
        workflow.completed = False  # SpiffWorkflow remembers a True; ask both afresh
        expected = workflow.is_completed()
        workflow.completed = False
        assert workflow_completed(workflow) is expected
        answers.append(expected)
    assert answers[0] is False and answers[-1] is True  # every unit run ends its route map
