"""SLA clocks in business time with pauses (pure arithmetic on the default Russian calendar)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.analytics.filters import interpolate
from engine.analytics.sla_clock import AT_RISK, BREACHED, MET, ON_TRACK, merge_pauses, sla_clock, state_at
from engine.analytics.steps import diagram_elements
from engine.calendar import WorkCalendar
from engine.calendar_sla import parse_sla_spec
from tests.analytics_history import FIXTURE_BPMN, msk

CAL = WorkCalendar()  # Europe/Moscow 9–18 Mon–Fri; 12–13 June 2025 are public holidays
TWO_WORKING_HOURS = parse_sla_spec("PT2H working")


def test_deadline_skips_holidays_and_the_weekend():
    clock = sla_clock(CAL, TWO_WORKING_HOURS, msk(11, 17), done_at=None, now=msk(11, 17, 30))
    assert clock.due_at == msk(16, 10)
    assert clock.risk_at == msk(16, 9, 36)  # 80 % of two hours = 96 minutes: 1 h Wed + 36 min Mon
    assert (clock.state, clock.elapsed) == (ON_TRACK, timedelta(minutes=30))


def test_done_in_time_only_thanks_to_a_pause():
    pause = [(msk(16, 9), msk(16, 9, 30))]
    with_pause = sla_clock(
        CAL, TWO_WORKING_HOURS, msk(11, 17), done_at=msk(16, 10, 15), now=msk(20, 9), pauses=pause
    )
    assert (with_pause.state, with_pause.elapsed, with_pause.due_at) == (
        MET,
        timedelta(hours=1, minutes=45),
        msk(16, 10, 30),
    )
    without = sla_clock(CAL, TWO_WORKING_HOURS, msk(11, 17), done_at=msk(16, 10, 15), now=msk(20, 9))
    assert (without.state, without.elapsed) == (BREACHED, timedelta(hours=2, minutes=15))


def test_running_clock_at_risk_then_breached():
    at_risk = sla_clock(CAL, TWO_WORKING_HOURS, msk(11, 17), done_at=None, now=msk(16, 9, 40))
    assert at_risk.state == AT_RISK
    assert state_at(at_risk, msk(16, 10, 1)) == BREACHED
    assert state_at(at_risk, msk(16, 9, 0)) == ON_TRACK


def test_open_pause_freezes_the_clock():
    clock = sla_clock(
        CAL, TWO_WORKING_HOURS, msk(11, 17), done_at=None, now=msk(17, 12), pauses=[(msk(16, 9), None)]
    )
    assert (clock.due_at, clock.frozen_state, clock.elapsed) == (None, ON_TRACK, timedelta(hours=1))
    assert state_at(clock, msk(30, 12)) == ON_TRACK


def test_calendar_sla_counts_plain_time_minus_pauses():
    spec = parse_sla_spec("PT4H")
    clock = sla_clock(
        CAL, spec, msk(11, 17), done_at=None, now=msk(11, 20), pauses=[(msk(11, 18), msk(11, 19))]
    )
    assert clock.due_at == msk(11, 22)


def test_merge_pauses_clips_and_merges():
    merged = merge_pauses(
        [(msk(11, 8), msk(11, 10)), (msk(11, 9), msk(11, 11)), (msk(11, 15), None)], msk(11, 9), msk(11, 16)
    )
    assert merged == [(msk(11, 9), msk(11, 11)), (msk(11, 15), msk(11, 16))]


@pytest.mark.parametrize(
    ("values", "fraction", "expected"), [([1, 3], 0.5, 2), ([1, 3], 0.9, 2.8), ([], 0.5, None), ([5], 0.9, 5)]
)
def test_interpolated_percentiles_match_percentile_cont(values, fraction, expected):
    assert (
        interpolate(values, fraction) == pytest.approx(expected)
        if expected is not None
        else interpolate(values, fraction) is None
    )


def test_diagram_elements_in_document_order_with_step_sla():
    elements = diagram_elements(FIXTURE_BPMN.read_text())
    assert list(elements) == ["StartEvent_1", "Task_A", "GW", "Task_B", "End_won", "End_lost"]
    assert (elements["Task_A"]["sla"], elements["GW"]["type"], elements["Task_B"]["sla"]) == (
        "PT2H working",
        "exclusiveGateway",
        None,
    )
