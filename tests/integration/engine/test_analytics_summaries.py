"""The per-day summaries: kept up incrementally they equal a rebuild from the facts, and every figure read from
them equals the detailed query over the facts (percentiles included), with and without an assignee/department
filter, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from engine import events as ev
from engine.analytics import summary_figures
from engine.analytics.branches import branch_stats
from engine.analytics.efficiency import duration_histogram, duration_summary, instance_series
from engine.analytics.filters import AnalyticsFilter
from engine.analytics.models import (
    BranchDay,
    BranchLabel,
    BranchPeopleDay,
    InstanceDay,
    InstanceEndDay,
    InstanceFact,
    InstancePeopleDay,
    InstancePeopleEndDay,
    PeopleSet,
    StepAssigneeDay,
    StepDay,
    StepFact,
)
from engine.analytics.rollup import rebuild_facts, refresh_facts
from engine.analytics.steps import step_stats
from engine.analytics.summary_rollup import rebuild_summaries
from engine.db import db
from tests.analytics_history import History, add_definition

START = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
NOW = START + timedelta(days=24)
_SUMMARIES = (InstanceDay, InstanceEndDay, StepDay, BranchDay, BranchLabel, InstancePeopleDay,
              InstancePeopleEndDay, PeopleSet, StepAssigneeDay, BranchPeopleDay)  # fmt: skip
# Workers are 20, 21, 22 (unclaiming leaves a step without anyone); (20, 21) is a department of two.
_PEOPLE = [None, (20,), (20, 21), (20, 21, 22), (99,), ()]


def _random_history(seed: int = 11, instances: int = 120) -> list[int]:
    """Interleaved instances of two versions: claims, unclaims, variants, pauses, cancellations, open work."""
    rng = random.Random(seed)
    definitions = [add_definition(version=1), add_definition(version=2)]
    plans: list[tuple[datetime, int, object]] = []
    order = 0

    def plan(at: datetime, action: object) -> None:
        nonlocal order
        order += 1
        plans.append((at, order, action))

    for n in range(instances):
        h = History(rng.choice(definitions))
        at = START + timedelta(minutes=rng.randrange(20 * 24 * 60))
        box: dict[str, object] = {}
        plan(
            at, lambda h=h, at=at, box=box, n=n: box.update(i=h.instance(f"interest:{n}", at, started_by=10))
        )
        approve = rng.random() < 0.6
        for element, name in [("Task_A", "Qualify")] + ([("Task_B", "Negotiate")] if approve else []):
            due = at + timedelta(hours=rng.choice([1, 4, 48])) if rng.random() < 0.5 else None
            key = f"t{element}"
            plan(at, lambda h=h, at=at, box=box, e=element, nm=name, due=due, key=key:
                 box.update({key: h.task(box["i"], e, nm, at, due_at=due)}))  # fmt: skip
            at += timedelta(minutes=rng.randrange(1, 600))
            worker = rng.choice([20, 21, 22])
            plan(
                at,
                lambda h=h, at=at, box=box, key=key, w=worker: h.task_event(
                    box[key], ev.TASK_CLAIMED, at, user_id=w
                ),
            )
            if rng.random() < 0.2:
                at += timedelta(minutes=rng.randrange(1, 120))
                plan(
                    at,
                    lambda h=h, at=at, box=box, key=key: h.task_event(
                        box[key], ev.TASK_UNCLAIMED, at, user_id=20
                    ),
                )
            at += timedelta(minutes=rng.randrange(0, 3000))
            if at > NOW or rng.random() < 0.1:
                break  # still open
            plan(
                at,
                lambda h=h, at=at, box=box, key=key, w=worker: h.task_event(
                    box[key], ev.TASK_COMPLETED, at, user_id=w
                ),
            )
            if element == "Task_A":
                flow, variant = ("Flow_yes", "Yes") if approve else ("Flow_no", "No")
                plan(at, lambda h=h, at=at, box=box, f=flow, v=variant: h.variant(box["i"], f, v, at))
        else:
            if rng.random() < 0.15:
                plan(at, lambda h=h, at=at, box=box: h.event(box["i"], ev.INSTANCE_SUSPENDED, at))
                at += timedelta(hours=rng.randrange(1, 30))
                plan(at, lambda h=h, at=at, box=box: h.event(box["i"], ev.INSTANCE_RESUMED, at))
            if at <= NOW:
                kind = ev.INSTANCE_COMPLETED if approve else ev.INSTANCE_CANCELLED
                plan(at, lambda h=h, at=at, box=box, k=kind: h.event(box["i"], k, at))
    for _, _, action in sorted(plans, key=lambda p: (p[0], p[1])):
        action()  # type: ignore[operator]
    db.session.commit()
    return [d.id for d in definitions]


def _summary_rows() -> dict[str, dict[tuple, dict]]:
    found: dict[str, dict[tuple, dict]] = {}
    for model in _SUMMARIES:
        keys = [c.name for c in model.__table__.primary_key.columns]
        rows = {}
        for row in db.session.scalars(select(model)):
            values = {c.name: getattr(row, c.name) for c in model.__table__.columns if c.name not in keys}
            for name, value in values.items():
                if isinstance(value, float):
                    values[name] = pytest.approx(value, rel=1e-9, abs=1e-6)
                elif isinstance(value, dict):
                    values[name] = {k: v for k, v in value.items() if v}
            rows[tuple(getattr(row, k) for k in keys)] = values
        found[model.__tablename__] = rows
    return found


@pytest.fixture
def history(any_app):
    ids = _random_history()
    refresh_facts(batch_size=13)  # many batches: instances and steps move between summary rows
    return ids


def _people_of_instances() -> dict[int, str | None]:
    return dict(db.session.execute(select(InstanceFact.instance_id, InstanceFact.people)).tuples().all())


def test_incremental_summaries_equal_a_rebuild_from_facts_and_from_the_log(history):
    incremental = _summary_rows()
    assert incremental["analytics_instance_days"] and incremental["analytics_branch_days"]
    statuses = {key[2] for key in incremental["analytics_instance_days"]}
    assert statuses == {"running", "completed", "cancelled"}
    sets = {key[1] for key in incremental["analytics_people_sets"]}
    assert {"20", "20,21", "21,22"} <= sets  # instances of one person and of several
    assert {key[2] for key in incremental["analytics_step_assignee_days"]} == {20, 21, 22}
    people = _people_of_instances()
    steps: dict[int, set[int]] = {}
    for instance_id, assignee in db.session.execute(select(StepFact.instance_id, StepFact.assignee_id)):
        steps.setdefault(instance_id, set()).update({assignee} - {None})
    assert people == {i: ",".join(map(str, sorted(steps.get(i, ())))) or None for i in people}
    assert None in people.values()  # an instance whose only step was unclaimed
    db.session.execute(update(InstanceFact).values(people=None))  # rebuild_summaries() sets them again
    rebuild_summaries()
    assert _people_of_instances() == people
    assert _summary_rows() == incremental
    rebuild_facts()  # the whole log in one pass
    assert _summary_rows() == incremental


def _both_ways(monkeypatch, compute):
    fast = compute()
    with monkeypatch.context() as m:
        m.setattr(summary_figures, "summary_applies", lambda flt: False)
        slow = compute()
    return fast, slow


_MIDNIGHT = START.replace(hour=0)  # Monday 3 March 2025


@pytest.mark.parametrize(
    "window",
    [
        (None, None),
        (_MIDNIGHT + timedelta(days=3), _MIDNIGHT + timedelta(days=12)),  # days only
        (_MIDNIGHT + timedelta(days=1), _MIDNIGHT + timedelta(days=17)),  # a whole week between days
        (_MIDNIGHT - timedelta(days=4), _MIDNIGHT + timedelta(days=29)),  # all March, and days of February
        (None, _MIDNIGHT + timedelta(days=15)),  # open start: months, then weeks and days of March
    ],
)
@pytest.mark.parametrize("people", _PEOPLE)
def test_every_figure_from_summaries_equals_the_detailed_query(history, monkeypatch, window, people):
    for ids in (tuple(history), (history[1],)):
        flt = AnalyticsFilter(
            definition_ids=ids, started_from=window[0], started_to=window[1], assignee_ids=people
        )
        assert summary_figures.summary_applies(flt)
        fast, slow = _both_ways(monkeypatch, lambda flt=flt: duration_summary(flt))
        assert asdict(fast) == _approx_dict(asdict(slow))
        if people in ((99,), ()):  # nobody of the history: nothing at all
            assert fast.started == 0 and step_stats(flt, now=NOW)[0].tasks == 0 and not branch_stats(flt)
            continue
        assert fast.completed > 5 and fast.median_h is not None
        for name in fast.__dataclass_fields__:
            assert getattr(fast, name) == pytest.approx(getattr(slow, name), rel=1e-9), name
        fast_h, slow_h = _both_ways(monkeypatch, lambda flt=flt: duration_histogram(flt))
        assert fast_h == slow_h and sum(b["count"] for b in fast_h) == fast.completed
        for bucket in ("day", "week"):
            fast_s, slow_s = _both_ways(monkeypatch, lambda flt=flt, b=bucket: instance_series(flt, bucket=b))
            assert fast_s == slow_s and fast_s
        fast_st, slow_st = _both_ways(
            monkeypatch, lambda flt=flt: [s.as_dict() for s in step_stats(flt, now=NOW)]
        )
        assert {s["element_id"] for s in fast_st} == {"Task_A", "Task_B", "GW"}
        for a, b in zip(
            sorted(fast_st, key=lambda s: s["element_id"]),
            sorted(slow_st, key=lambda s: s["element_id"]),
            strict=True,
        ):
            assert _approx_dict(a) == b
        fast_b, slow_b = _both_ways(monkeypatch, lambda flt=flt: branch_stats(flt))
        assert _gateways(fast_b) == _gateways(slow_b) and fast_b


def _approx_dict(d: dict) -> dict:
    return {k: pytest.approx(v, rel=1e-9) if isinstance(v, float) else v for k, v in d.items()}


def _gateways(found: list[dict]) -> dict:
    return {
        g["gateway"]: (g["name"], g["instances"], {f["flow"]: _approx_dict(f) for f in g["flows"]})
        for g in found
    }


def test_a_department_counts_an_instance_once(history):
    """Two people of a department who both worked on an instance: it is one instance, not two."""
    flt = AnalyticsFilter(definition_ids=tuple(history), assignee_ids=(20, 21))
    both = db.session.scalar(select(func.count()).where(InstanceFact.people.in_(["20,21", "20,21,22"])))
    assert both
    alone = [duration_summary(AnalyticsFilter(definition_ids=tuple(history), assignee_ids=(p,))).started
             for p in (20, 21)]  # fmt: skip
    assert duration_summary(flt).started == sum(alone) - both


def test_filters_the_summaries_cannot_answer_use_the_facts(history):
    midnight = START.replace(hour=0)
    assert summary_figures.summary_applies(AnalyticsFilter(definition_ids=(1,), assignee_ids=(20,)))
    assert not summary_figures.summary_applies(
        AnalyticsFilter(definition_ids=(1,), started_from=midnight + timedelta(hours=5))
    )
    assert summary_figures.summary_applies(AnalyticsFilter(definition_ids=(1,), started_to=midnight))
