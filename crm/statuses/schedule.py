"""The administrator-set schedule of "recalculate all statuses" (SPEC #8).

The periodic job runs often (every few minutes) and asks ``run_recalculation_if_due``; the schedule row decides
whether a run is due: every N hours since the last run, or once a day at HH:MM in the schedule's time zone.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from crm.accounts.models import ADMINISTRATOR, User
from crm.errors import AccessDenied, ValidationFailed
from crm.messages import N_
from crm.statuses.models import SCHEDULE_DAILY, SCHEDULE_INTERVAL, StatusRecalcSchedule
from crm.statuses.services import RecalculationResult, recalculate_all
from engine.db import db, utcnow

SCHEDULE_ID = 1
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def get_schedule() -> StatusRecalcSchedule:
    """The schedule row, created with the defaults (daily at 03:00 Moscow time) on first use."""
    schedule = db.session.get(StatusRecalcSchedule, SCHEDULE_ID)
    if schedule is None:
        schedule = StatusRecalcSchedule(id=SCHEDULE_ID)
        db.session.add(schedule)
        db.session.commit()
    return schedule


def save_schedule(
    actor: User,
    *,
    enabled: bool,
    mode: str,
    interval_hours: int = 24,
    daily_at: str = "03:00",
    timezone: str = "Europe/Moscow",
) -> StatusRecalcSchedule:
    """Change the schedule (administrators only): ``mode`` is ``interval`` (every N hours) or ``daily``."""
    if not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("Only an administrator may change the recalculation schedule."))
    errors = {}
    if mode not in (SCHEDULE_INTERVAL, SCHEDULE_DAILY):
        errors["mode"] = N_("Every N hours, or daily at a time.")
    if mode == SCHEDULE_INTERVAL and not 1 <= interval_hours <= 24 * 31:
        errors["interval_hours"] = N_("Between 1 and 744 hours.")
    if mode == SCHEDULE_DAILY and not HHMM.match(daily_at):
        errors["daily_at"] = N_("A time as HH:MM.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = N_("An IANA time zone such as Europe/Moscow.")
    if errors:
        raise ValidationFailed(errors)
    schedule = get_schedule()
    schedule.enabled, schedule.mode, schedule.timezone = enabled, mode, timezone
    schedule.interval_hours, schedule.daily_at = interval_hours, daily_at
    db.session.commit()
    return schedule


def next_run_at(schedule: StatusRecalcSchedule, now: datetime) -> datetime:
    """The instant the next run is due (may be in the past: then a run is due now)."""
    last = schedule.last_run_at
    if schedule.mode == SCHEDULE_INTERVAL:
        return now if last is None else last + timedelta(hours=schedule.interval_hours)
    zone = ZoneInfo(schedule.timezone)
    hour, minute = (int(part) for part in schedule.daily_at.split(":"))
    local_now = now.astimezone(zone)
    today_slot = datetime.combine(local_now.date(), time(hour, minute), tzinfo=zone)
    # The latest slot not after now; due when the last run was before it.
    latest_slot = today_slot if today_slot <= local_now else today_slot - timedelta(days=1)
    if last is None or last < latest_slot:
        return latest_slot
    return latest_slot + timedelta(days=1)


def is_due(schedule: StatusRecalcSchedule, now: datetime) -> bool:
    return schedule.enabled and next_run_at(schedule, now) <= now


def run_recalculation_if_due(now: datetime | None = None) -> RecalculationResult | None:
    """Recalculate all statuses when the schedule says a run is due; None when not due.

    The row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL) so two workers never run it at once.
    """
    now = now or utcnow()
    get_schedule()
    schedule = db.session.scalar(
        select(StatusRecalcSchedule).where(StatusRecalcSchedule.id == SCHEDULE_ID).with_for_update()
    )
    assert schedule is not None
    if not is_due(schedule, now):
        db.session.rollback()
        return None
    schedule.last_run_at = now
    db.session.commit()  # claim the run before the long work, so a parallel tick sees it as done
    result = recalculate_all(now=now)
    schedule = get_schedule()
    schedule.last_result = {"processed": result.processed, "changed": result.changed, "at": now.isoformat()}
    db.session.commit()
    return result
