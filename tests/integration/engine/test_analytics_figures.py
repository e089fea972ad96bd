"""Every figure of the process analytics on a known history (tests/analytics_history.py), SQLite + PostgreSQL."""

from __future__ import annotations

import pytest

from engine.analytics.branches import branch_stats
from engine.analytics.efficiency import duration_histogram, duration_summary, instance_series, list_instances
from engine.analytics.filters import AnalyticsFilter
from engine.analytics.models import InstanceFact, StepFact
from engine.analytics.rollup import pending_events, rebuild_facts, refresh_facts
from engine.analytics.steps import bottlenecks, step_stats
from engine.db import db
from tests.analytics_history import NOW, build_known_history, msk


@pytest.fixture
def history(any_app):
    built = build_known_history()
    refresh_facts(batch_size=7)  # several batches: facts must carry over between them
    return built


def _filter(history, **kw):
    return AnalyticsFilter(definition_ids=(history["definition"].id,), **kw)


def test_instance_facts_in_business_hours_across_holidays_weekend_and_pause(history):
    one, two, three = (db.session.get(InstanceFact, i.id) for i in history["instances"])
    assert (one.status, one.business_s / 3600, one.duration_s / 3600) == ("completed", 10, 121)
    assert (two.status, two.business_s / 3600, two.paused_s / 3600, two.duration_s / 3600) == (
        "cancelled",
        4,
        4,
        4,
    )
    assert (three.status, three.ended_at, three.business_s) == ("running", None, None)
    assert pending_events() == 0


def test_waiting_and_working_split(history):
    a1, b1, a2, a3 = (db.session.get(StepFact, t.id) for t in history["tasks"])
    assert (a1.wait_business_s / 3600, a1.work_business_s / 3600, a1.assignee_id) == (2, 1, 20)
    assert (b1.wait_business_s / 3600, b1.work_business_s / 3600) == (5, 2)
    assert (b1.wait_s / 3600, b1.work_s / 3600, b1.duration_s / 3600) == (5, 113, 118)
    assert (a2.wait_business_s / 3600, a2.work_business_s, a2.status) == (1, 0, "completed")
    assert (a3.status, a3.claimed, a3.assignee_id, a3.wait_s / 60, a3.work_s / 60) == (
        "open",
        False,
        None,
        30,
        30,
    )


def test_duration_summary_and_histogram(history):
    summary = duration_summary(_filter(history))
    assert (summary.started, summary.completed, summary.cancelled, summary.running) == (3, 1, 1, 1)
    assert (summary.mean_h, summary.median_h, summary.p90_h) == (10, 10, 10)
    assert summary.mean_wall_h == 121
    buckets = {b["label"]: b["count"] for b in duration_histogram(_filter(history))}
    assert buckets["8–16 h"] == 1 and sum(buckets.values()) == 1


def test_series_of_started_ended_running(history):
    series = instance_series(_filter(history))
    assert series == [
        {"day": "2025-06-10", "started": 1, "ended": 1, "running": 0},
        {"day": "2025-06-11", "started": 1, "ended": 0, "running": 1},
        {"day": "2025-06-16", "started": 1, "ended": 1, "running": 1},
    ]


def test_step_figures_heat_map_and_bottlenecks(history):
    stats = {
        s.element_id: s
        for s in step_stats(_filter(history), bpmn_xml=history["definition"].bpmn_xml, now=NOW)
    }
    a, b, gw = stats["Task_A"], stats["Task_B"], stats["GW"]
    assert (a.passes, a.tasks, a.completed, a.open) == (3, 3, 2, 1)
    assert (a.mean_h, a.mean_wait_h, a.mean_work_h, a.p90_h) == (2, 1.5, 0.5, pytest.approx(2.8))
    assert (a.with_due, a.late, a.sla) == (2, 2, "PT2H working")
    assert (b.tasks, b.mean_h, b.mean_wait_h, b.mean_work_h, b.late) == (1, 7, 5, 2, 0)
    assert (gw.passes, gw.tasks) == (2, 0)
    assert stats["End_won"].passes == 0  # every diagram element is listed, in document order
    assert [s.element_id for s in bottlenecks(list(stats.values()))] == ["Task_B", "Task_A"]


def test_branch_split_and_how_each_branch_ended(history):
    [gw] = branch_stats(_filter(history))
    flows = {f["flow"]: f for f in gw["flows"]}
    assert (gw["gateway"], gw["name"], gw["instances"]) == ("GW", "Approved?", 2)
    assert (flows["Flow_yes"]["share"], flows["Flow_yes"]["completed"], flows["Flow_yes"]["mean_h"]) == (
        0.5,
        1,
        10,
    )
    assert (flows["Flow_no"]["variant"], flows["Flow_no"]["cancelled"], flows["Flow_no"]["mean_h"]) == (
        "No",
        1,
        None,
    )


def test_filters_by_period_and_assignee(history):
    assert duration_summary(_filter(history, started_from=msk(11, 0))).started == 2
    assert duration_summary(_filter(history, started_to=msk(11, 0))).started == 1
    only_21 = _filter(history, assignee_ids=(21,))
    assert duration_summary(only_21).started == 1
    assert [s.element_id for s in step_stats(only_21) if s.tasks] == ["Task_B"]
    assert [f.business_key for f in list_instances(_filter(history))] == [
        "interest:1",
        "interest:2",
        "interest:3",
    ]


def test_incremental_refresh_continues_and_rebuild_gives_the_same_facts(history):
    assert refresh_facts() == 0
    before = {(f.instance_id, f.business_s) for f in db.session.scalars(db.select(InstanceFact))}
    rebuild_facts()
    assert {(f.instance_id, f.business_s) for f in db.session.scalars(db.select(InstanceFact))} == before
    assert duration_summary(_filter(history)).started == 3


def test_outliers_and_what_they_have_in_common(any_app):
    from engine import events as ev
    from engine.analytics.outliers import find_outliers
    from tests.analytics_history import History, add_definition

    definition = add_definition()
    h = History(definition)
    for n in range(10):  # ten ordinary deals: one business hour each, approved
        inst = h.instance(f"interest:{n}", msk(16, 9), started_by=10)
        h.variant(inst, "Flow_yes", "Yes", msk(16, 9, 30))
        h.event(inst, ev.INSTANCE_COMPLETED, msk(16, 10))
    slow = h.instance("interest:slow", msk(16, 9), started_by=10)
    h.variant(slow, "Flow_no", "No", msk(16, 9, 30))
    h.event(slow, ev.INSTANCE_COMPLETED, msk(18, 18))  # 27 business hours
    db.session.commit()
    refresh_facts()
    report = find_outliers(
        AnalyticsFilter(definition_ids=(definition.id,)),
        attributes=lambda keys: {k: {"deal source": "fair" if k.endswith("slow") else "web"} for k in keys},
    )
    assert [i.business_key for i in report.instances] == ["interest:slow"]
    assert report.threshold_h == 1
    common = {(c["attribute"], c["value"]): (c["outlier_share"], c["baseline_share"]) for c in report.common}
    assert common == {("variant: Approved?", "No"): (1.0, 0.0), ("deal source", "fair"): (1.0, 0.0)}
