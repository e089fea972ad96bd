"""WorkCalendar arithmetic: working hours over weekends, holidays, exceptions, split days, DST and long spans."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.calendar import WorkCalendar, parse_schedule, schedule_to_json
from engine.errors import CalendarInvalid

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)  # type: ignore[misc]


def nine_to_six(country: str | None = None, **kwargs: object) -> WorkCalendar:
    return WorkCalendar(timezone="Europe/Moscow", country=country, **kwargs)  # type: ignore[arg-type]


def split_day(country: str | None = None, zone: str = "Europe/Moscow") -> WorkCalendar:
    weekday = ((time(9), time(13)), (time(14), time(18)))
    return WorkCalendar(timezone=zone, weekly={d: weekday for d in range(5)}, country=country)


def test_four_working_hours_from_friday_5pm_fall_due_monday_noon() -> None:
    due = nine_to_six().add_working(msk(2025, 3, 14, 17, 0), 4 * H)
    assert due == msk(2025, 3, 17, 12, 0)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(hours=3)


def test_time_running_out_at_the_end_of_an_interval_stays_there() -> None:
    assert nine_to_six().add_working(msk(2025, 3, 14, 17, 0), H) == msk(2025, 3, 14, 18, 0)


def test_start_outside_hours_counts_from_the_next_interval() -> None:
    calendar = nine_to_six()
    assert calendar.add_working(msk(2025, 3, 12, 6, 30), 2 * H) == msk(2025, 3, 12, 11, 0)
    assert calendar.add_working(msk(2025, 3, 12, 20, 0), 2 * H) == msk(2025, 3, 13, 11, 0)
    assert calendar.add_working(msk(2025, 3, 15, 12, 0), 2 * H) == msk(2025, 3, 17, 11, 0)


def test_inputs_in_other_zones_are_converted() -> None:
    friday_5pm_moscow_in_utc = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)
    assert nine_to_six().add_working(friday_5pm_moscow_in_utc, 4 * H) == msk(2025, 3, 17, 12, 0)


def test_russian_new_year_holidays_are_skipped() -> None:
    calendar = nine_to_six(country="RU")
    # Friday 27 Dec 2024 17:00 + 2 h: 1 h that day; 30 Dec – 8 Jan are days off → Thursday 9 January 10:00.
    assert calendar.add_working(msk(2024, 12, 27, 17, 0), 2 * H) == msk(2025, 1, 9, 10, 0)
    assert not calendar.is_working(msk(2025, 1, 3, 12, 0))  # a Friday, but a holiday
    assert calendar.is_working(msk(2025, 1, 9, 12, 0))
    assert calendar.holidays_in(2025) >= {date(2025, 1, d) for d in range(1, 9)}


def test_exceptions_override_the_schedule_and_holidays() -> None:
    calendar = nine_to_six(
        country="RU",
        exceptions={
            date(2025, 11, 1): ((time(9), time(18)),),  # transferred working Saturday
            date(2025, 3, 12): (),  # company day off on a Wednesday
            date(2025, 1, 8): ((time(10), time(12)),),  # short working day inside the holidays
        },
    )
    assert calendar.is_working(msk(2025, 11, 1, 10, 0))
    assert not calendar.is_working(msk(2025, 3, 12, 10, 0))
    assert calendar.add_working(msk(2025, 3, 11, 17, 0), 2 * H) == msk(2025, 3, 13, 10, 0)
    assert calendar.add_working(msk(2024, 12, 27, 17, 0), 2 * H) == msk(2025, 1, 8, 11, 0)
    assert calendar.add_working(msk(2025, 10, 31, 17, 30), H) == msk(2025, 11, 1, 9, 30)


def test_several_intervals_a_day_skip_the_lunch_break() -> None:
    calendar = split_day()
    assert calendar.add_working(msk(2025, 3, 12, 12, 0), 2 * H) == msk(2025, 3, 12, 15, 0)
    assert calendar.add_working(msk(2025, 3, 12, 13, 30), 30 * timedelta(minutes=1)) == msk(
        2025, 3, 12, 14, 30
    )
    assert not calendar.is_working(msk(2025, 3, 12, 13, 30))
    assert calendar.is_working(msk(2025, 3, 12, 13, 0) - timedelta(seconds=1))
    assert calendar.next_working_moment(msk(2025, 3, 12, 13, 30)) == msk(2025, 3, 12, 14, 0)
    assert calendar.working_between(msk(2025, 3, 12, 8, 0), msk(2025, 3, 12, 20, 0)) == 8 * H


def test_working_between_across_a_weekend_and_a_holiday() -> None:
    calendar = nine_to_six(country="RU")
    # Friday 7 March 2025 16:00 → Tuesday 11 March 11:00; Saturday 8 March is a holiday anyway, Monday works.
    assert calendar.working_between(msk(2025, 3, 7, 16, 0), msk(2025, 3, 11, 11, 0)) == (2 + 9 + 2) * H
    # Across New Year: Thursday 26 Dec 2024 17:00 → 9 Jan 2025 10:00 = 1 + 9 (27 Dec) + 1 hours.
    assert calendar.working_between(msk(2024, 12, 26, 17, 0), msk(2025, 1, 9, 10, 0)) == 11 * H
    assert calendar.working_between(msk(2025, 1, 9, 10, 0), msk(2024, 12, 26, 17, 0)) == -11 * H


def test_working_between_excluding_pauses() -> None:
    calendar = nine_to_six()
    start, end = msk(2025, 3, 10, 9, 0), msk(2025, 3, 14, 18, 0)  # a full week: 45 h
    pauses = [
        (msk(2025, 3, 11, 12, 0), msk(2025, 3, 11, 15, 0)),  # 3 h
        (msk(2025, 3, 11, 14, 0), msk(2025, 3, 11, 16, 0)),  # overlaps the first: +1 h
        (msk(2025, 3, 14, 17, 0), msk(2025, 3, 17, 12, 0)),  # runs past the end: 1 h inside
        (msk(2025, 3, 1, 9, 0), msk(2025, 3, 2, 9, 0)),  # entirely before: nothing
    ]
    assert calendar.working_between(start, end) == 45 * H
    assert calendar.working_between_excluding(start, end, pauses) == 40 * H


def test_next_working_day_at_and_add_working_days() -> None:
    calendar = nine_to_six(country="RU")
    assert calendar.next_working_day_at(msk(2025, 3, 14, 15, 0), time(10, 0)) == msk(2025, 3, 17, 10, 0)
    assert calendar.next_working_day_at(msk(2025, 3, 12, 8, 0), time(10, 0)) == msk(2025, 3, 13, 10, 0)
    assert calendar.next_working_day_at(msk(2024, 12, 26, 12, 0), time(10, 0)) == msk(2024, 12, 27, 10, 0)
    assert calendar.next_working_day_at(msk(2024, 12, 27, 12, 0), time(10, 0)) == msk(2025, 1, 9, 10, 0)
    assert calendar.add_working_days(msk(2025, 3, 14, 15, 0), 1) == msk(2025, 3, 17, 15, 0)
    assert calendar.add_working_days(msk(2025, 3, 14, 15, 0), 5) == msk(2025, 3, 21, 15, 0)
    assert calendar.add_working_days(msk(2024, 12, 26, 15, 0), 2) == msk(2025, 1, 9, 15, 0)
    assert calendar.add_working_days(msk(2025, 3, 14, 15, 0), 0) == msk(2025, 3, 14, 15, 0)


def test_dst_changes_count_real_elapsed_working_time() -> None:
    around_the_clock = WorkCalendar(
        timezone="Europe/Berlin", weekly={d: ((time(0), time(0)),) for d in range(7)}, country=None
    )
    sunday = datetime(2025, 3, 30, tzinfo=BERLIN)  # clocks jump 02:00 → 03:00: a 23-hour day
    assert around_the_clock.working_between(sunday, sunday + timedelta(days=1)) == 23 * H
    assert around_the_clock.add_working(sunday, 23 * H) == datetime(2025, 3, 31, 0, 0, tzinfo=BERLIN)
    autumn = datetime(2025, 10, 26, tzinfo=BERLIN)  # 25-hour day
    assert around_the_clock.working_between(autumn, datetime(2025, 10, 27, tzinfo=BERLIN)) == 25 * H

    office = WorkCalendar(timezone="Europe/Berlin", country=None)
    friday_5pm = datetime(2025, 3, 28, 17, 0, tzinfo=BERLIN)  # the weekend spans the spring change
    due = office.add_working(friday_5pm, 4 * H)
    assert due == datetime(2025, 3, 31, 12, 0, tzinfo=BERLIN)
    assert due.utcoffset() == timedelta(hours=2)


def test_intervals_reaching_midnight() -> None:
    evening = WorkCalendar(
        timezone="Europe/Moscow", weekly={d: ((time(20), time(0)),) for d in range(7)}, country=None
    )
    assert evening.add_working(msk(2025, 3, 12, 23, 0), 2 * H) == msk(2025, 3, 13, 21, 0)
    assert evening.is_working(msk(2025, 3, 12, 23, 59))
    assert not evening.is_working(msk(2025, 3, 13, 0, 0))


def _day_by_day(calendar: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    day = start.astimezone(calendar.zone).date()
    while datetime.combine(day, time(0), tzinfo=calendar.zone) < end:
        for a, b in calendar._spans(day):
            low, high = max(a, start), min(b, end)
            total += max(high - low, timedelta(0))
        day += timedelta(days=1)
    return total


def _add_day_by_day(calendar: WorkCalendar, start: datetime, delta: timedelta) -> datetime:
    day = start.astimezone(calendar.zone).date()
    while True:
        for a, b in calendar._spans(day):
            begin = max(a, start)
            if b > begin:
                if delta <= b - begin:
                    return begin + delta
                delta -= b - begin
        day += timedelta(days=1)


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Europe/Berlin"])
def test_week_skipping_agrees_with_walking_day_by_day(zone: str) -> None:
    calendar = split_day(country="RU" if zone == "Europe/Moscow" else "DE", zone=zone)
    rng = random.Random(7)
    origin = datetime(2024, 1, 1, tzinfo=ZoneInfo(zone))
    for _ in range(40):
        start = origin + timedelta(minutes=rng.randrange(0, 800 * 24 * 60))
        end = start + timedelta(minutes=rng.randrange(0, 200 * 24 * 60))
        expected = _day_by_day(calendar, start, end)
        assert calendar.working_between(start, end) == expected
        if expected > timedelta(0):
            assert calendar.add_working(start, expected) == _add_day_by_day(calendar, start, expected)


def test_long_spans_are_computed_and_round_trip() -> None:
    calendar = nine_to_six(country="RU")
    start = msk(2025, 1, 1, 0, 0)
    year = calendar.working_between(start, msk(2026, 1, 1, 0, 0))
    assert year == 246 * 9 * H  # 247 working days in 2025, one of them the transferred Saturday 1 November
    far = calendar.add_working(start, 10 * year)
    assert calendar.working_between(start, far) == 10 * year


def test_invalid_calendars_name_the_field() -> None:
    with pytest.raises(CalendarInvalid, match="timezone") as caught:
        WorkCalendar(timezone="Mars/Olympus")
    assert caught.value.field == "timezone"
    with pytest.raises(CalendarInvalid, match="country"):
        WorkCalendar(country="XX")
    with pytest.raises(
        CalendarInvalid, match=r"schedule\.mon: interval 18:00–09:00 must end after it starts"
    ):
        WorkCalendar(weekly={0: ((time(18), time(9)),)})
    with pytest.raises(CalendarInvalid, match=r"schedule\.tue: .*out of order or overlaps"):
        WorkCalendar(weekly={1: ((time(9), time(13)), (time(12), time(18)))})
    with pytest.raises(CalendarInvalid, match="no working time"):
        WorkCalendar(weekly={}, country=None).add_working(msk(2025, 1, 1, 9, 0), H)
    with pytest.raises(ValueError, match="timezone-aware"):
        nine_to_six().add_working(datetime(2025, 1, 1, 9, 0), H)


def test_schedule_json_round_trip_and_errors() -> None:
    raw = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "24:00"]]}
    weekly = parse_schedule(raw)
    assert weekly[0] == ((time(9), time(13)), (time(14), time(18)))
    assert weekly[5] == ((time(10), time(0)),) and weekly[6] == ()
    assert schedule_to_json(weekly)["sat"] == [["10:00", "24:00"]]
    assert parse_schedule(schedule_to_json(weekly)) == weekly
    with pytest.raises(CalendarInvalid, match="unknown weekday"):
        parse_schedule({"monday": []})
    with pytest.raises(CalendarInvalid, match=r"schedule\.fri: '9 am' is not a time"):
        parse_schedule({"fri": [["9 am", "18:00"]]})
