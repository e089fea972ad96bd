"""Instance-level figures of a route map: counts, duration distribution and the started/completed series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, select

from engine.analytics import summary_figures as days
from engine.analytics.filters import AnalyticsFilter, day_bucket, percentiles
from engine.analytics.histogram import COARSE_EDGES_H
from engine.analytics.models import BranchFact, InstanceFact, StepFact
from engine.db import db

HOUR = 3600.0
HISTOGRAM_EDGES_H = COARSE_EDGES_H  # the page's duration chart, in business hours
_SUMMARY_FIELDS = (
    "instances",
    "business_n",
    "business_sum_s",
    "business_hist",
    "wall_n",
    "wall_sum_s",
    "wall_hist",
)


@dataclass(frozen=True)
class DurationSummary:
    started: int
    completed: int
    cancelled: int
    running: int
    mean_h: float | None  # business hours of completed instances
    median_h: float | None
    p90_h: float | None
    mean_wall_h: float | None  # wall-clock hours (suspensions excluded)
    median_wall_h: float | None
    p90_wall_h: float | None


def duration_summary(flt: AnalyticsFilter) -> DurationSummary:
    """How many instances started, completed, were cancelled or still run, and how long completed ones took."""
    if days.summary_applies(flt):
        found = _summary_from_days(flt)
        if found is not None:
            return found
    where = flt.instance_conditions()
    done = InstanceFact.status == "completed"
    row = db.session.execute(
        select(
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((InstanceFact.status == "cancelled", 1), else_=0)),
            func.sum(case((InstanceFact.status == "running", 1), else_=0)),
            func.avg(case((done, InstanceFact.business_s))),
            func.avg(case((done, InstanceFact.duration_s))),
        ).where(*where)
    ).one()
    business = percentiles(InstanceFact.business_s, [*where, done], (0.5, 0.9))[None]
    wall = percentiles(InstanceFact.duration_s, [*where, done], (0.5, 0.9))[None]
    return DurationSummary(
        started=int(row[0] or 0),
        completed=int(row[1] or 0),
        cancelled=int(row[2] or 0),
        running=int(row[3] or 0),
        mean_h=_hours(row[4]),
        median_h=_hours(business[0]),
        p90_h=_hours(business[1]),
        mean_wall_h=_hours(row[5]),
        median_wall_h=_hours(wall[0]),
        p90_wall_h=_hours(wall[1]),
    )


def duration_histogram(flt: AnalyticsFilter) -> list[dict[str, Any]]:
    """Completed instances per business-hours bucket: ``[{"label": "0–1 h", "from_h": 0, "to_h": 1, "count"}]``."""
    edges = HISTOGRAM_EDGES_H
    row: Any
    if days.summary_applies(flt):
        row = days.coarse_histogram(days.instance_days(flt))
    else:
        hours = InstanceFact.business_s / HOUR
        columns = []
        for i, low in enumerate(edges):
            high = edges[i + 1] if i + 1 < len(edges) else None
            cond = hours >= low if high is None else and_(hours >= low, hours < high)
            columns.append(func.sum(case((cond, 1), else_=0)))
        row = db.session.execute(
            select(*columns).where(*flt.instance_conditions(), InstanceFact.status == "completed")
        ).one()
    result = []
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        label = f"{low}–{high} h" if high is not None else f"≥ {low} h"
        result.append({"label": label, "from_h": low, "to_h": high, "count": int(row[i] or 0)})
    return result


def instance_series(flt: AnalyticsFilter, *, bucket: str = "day") -> list[dict[str, Any]]:
    """Per day (or week): instances started, ended (completed or cancelled) and running at the bucket's end.

    Started counts the filtered instances by start; ended counts those same instances by their end.
    """
    if days.summary_applies(flt):
        started, ended = (_by_bucket(per_day, bucket) for per_day in days.started_and_ended_per_day(flt))
    else:
        where = flt.instance_conditions()
        started_bucket = day_bucket(InstanceFact.started_at, bucket)
        ended_bucket = day_bucket(InstanceFact.ended_at, bucket)
        started = dict(
            db.session.execute(select(started_bucket, func.count()).where(*where).group_by(started_bucket))
            .tuples()
            .all()
        )
        ended = dict(
            db.session.execute(
                select(ended_bucket, func.count())
                .where(*where, InstanceFact.ended_at.is_not(None))
                .group_by(ended_bucket)
            )
            .tuples()
            .all()
        )
    running = 0
    series = []
    for day in sorted(set(started) | set(ended)):
        running += int(started.get(day, 0)) - int(ended.get(day, 0))
        series.append(
            {
                "day": day,
                "started": int(started.get(day, 0)),
                "ended": int(ended.get(day, 0)),
                "running": running,
            }
        )
    return series


def list_instances(
    flt: AnalyticsFilter,
    *,
    status: str | None = None,
    instance_ids: list[int] | None = None,
    min_business_s: float | None = None,
    element_id: str | None = None,
    flow: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[InstanceFact]:
    """The instances behind a figure (drill-down), longest first: with a status, a human step at
    ``element_id``, a variant ``flow`` taken, or at least ``min_business_s``."""
    stmt = select(InstanceFact).where(*flt.instance_conditions())
    if element_id:
        stmt = stmt.where(
            exists().where(
                StepFact.instance_id == InstanceFact.instance_id, StepFact.element_id == element_id
            )
        )
    if flow:
        stmt = stmt.where(
            exists().where(BranchFact.instance_id == InstanceFact.instance_id, BranchFact.flow == flow)
        )
    if status:
        stmt = stmt.where(InstanceFact.status == status)
    if instance_ids is not None:
        stmt = stmt.where(InstanceFact.instance_id.in_(instance_ids))
    if min_business_s is not None:
        stmt = stmt.where(InstanceFact.business_s >= min_business_s)
    stmt = stmt.order_by(InstanceFact.business_s.desc().nulls_last(), InstanceFact.instance_id)
    return list(db.session.scalars(stmt.limit(limit).offset(offset)))


def _summary_from_days(flt: AnalyticsFilter) -> DurationSummary | None:
    rows = days.instance_days(flt)
    count = {
        status: sum(r.instances for r in rows if r.status == status)
        for status in ("completed", "cancelled", "running")
    }
    done = [r for r in rows if r.status == "completed"]
    where = [*days.instance_conditions(flt), InstanceFact.status == "completed"]
    business = days.exact_percentiles(
        InstanceFact.business_s, where, days.merged_histogram(rows, "business_hist", "completed"), (0.5, 0.9)
    )
    wall = days.exact_percentiles(
        InstanceFact.duration_s, where, days.merged_histogram(rows, "wall_hist", "completed"), (0.5, 0.9)
    )
    if business is None or wall is None:
        return None
    business_n, wall_n = sum(r.business_n for r in done), sum(r.wall_n for r in done)
    return DurationSummary(
        started=sum(r.instances for r in rows),
        completed=count["completed"],
        cancelled=count["cancelled"],
        running=count["running"],
        mean_h=_hours(sum(r.business_sum_s for r in done) / business_n) if business_n else None,
        median_h=_hours(business[0]),
        p90_h=_hours(business[1]),
        mean_wall_h=_hours(sum(r.wall_sum_s for r in done) / wall_n) if wall_n else None,
        median_wall_h=_hours(wall[0]),
        p90_wall_h=_hours(wall[1]),
    )  # fmt: skip


def _by_bucket(per_day: dict[date, int], bucket: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for day, n in per_day.items():
        start = day - timedelta(days=day.weekday()) if bucket == "week" else day
        found[start.isoformat()] = found.get(start.isoformat(), 0) + n
    return found


def _hours(seconds: Any) -> float | None:
    return None if seconds is None else float(seconds) / HOUR
