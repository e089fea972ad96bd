"""The efficiency figures read from the per-day summaries instead of the fact tables.

They answer a filter of whole UTC days (bounds at midnight or open) without an assignee/department filter —
``summary_applies``; anything else goes to the detailed queries over the facts. Counts, sums and means are
exact. A percentile is exact too: the summed histogram says which narrow bucket holds each order statistic
``percentile_cont`` interpolates between and its rank inside the bucket, and one indexed read of the facts
inside that bucket returns the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select

from engine.analytics.filters import AnalyticsFilter
from engine.analytics.histogram import (
    COARSE_EDGES_H,
    SUB_SECOND,
    ZERO,
    bucket_bounds,
    locate,
    merge,
    percentile_ranks,
)
from engine.analytics.models import (
    STEP_COMPLETED,
    STEP_OPEN,
    BranchDay,
    BranchLabel,
    InstanceDay,
    InstanceEndDay,
    StepDay,
    StepFact,
)
from engine.db import db


def summary_applies(flt: AnalyticsFilter) -> bool:
    """Whether the per-day summaries answer this filter exactly (whole UTC days, no people filter)."""
    return flt.assignee_ids is None and all(
        bound is None
        or (bound.utcoffset() == timedelta(0) and bound.timetz().replace(tzinfo=None) == time(0))
        for bound in (flt.started_from, flt.started_to)
    )


def _days(flt: AnalyticsFilter, column: Any) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.started_from is not None:
        conditions.append(column >= flt.started_from.date())
    if flt.started_to is not None:
        conditions.append(column < flt.started_to.date())
    return conditions


def instance_days(flt: AnalyticsFilter) -> list[InstanceDay]:
    """The instance summary rows of the filter's definitions and days."""
    return list(
        db.session.scalars(
            select(InstanceDay).where(
                InstanceDay.definition_id.in_(flt.definition_ids), *_days(flt, InstanceDay.started_day)
            )
        )
    )


def exact_percentiles(
    column: Any, where: Sequence[ColumnElement[bool]], histogram: dict[int, int], fractions: Sequence[float]
) -> list[float | None] | None:
    """``percentile_cont`` of ``column`` over the rows ``where`` selects, whose values ``histogram`` counts.

    Returns None when the facts no longer match the histogram (a refresh committed in between): the caller
    then computes the percentile the slow way.
    """
    total = sum(histogram.values())
    if not total:
        return [None] * len(fractions)
    found: dict[int, float | None] = {}

    def order_statistic(rank: int) -> float | None:
        if rank not in found:
            found[rank] = _read_rank(column, where, histogram, rank)
        return found[rank]

    result: list[float | None] = []
    for fraction in fractions:
        low, high, weight = percentile_ranks(total, fraction)
        a, b = order_statistic(low), order_statistic(high)
        if a is None or b is None:
            return None
        result.append(a + (b - a) * weight)
    return result


def _read_rank(
    column: Any, where: Sequence[ColumnElement[bool]], histogram: dict[int, int], rank: int
) -> float | None:
    located = locate(histogram, rank)
    if located is None:
        return None
    bucket, inside = located
    if bucket == ZERO:
        return 0.0
    low, high = bucket_bounds(bucket)
    in_bucket = [column > 0, column < 1] if bucket == SUB_SECOND else [column >= low, column < high]
    value = db.session.scalar(
        select(column).where(*where, *in_bucket).order_by(column).offset(inside).limit(1)
    )
    return None if value is None else float(value)


def coarse_histogram(rows: Sequence[InstanceDay]) -> list[int]:
    """Completed instances per page bucket (``COARSE_EDGES_H``), summed over the rows."""
    counts = [0] * len(COARSE_EDGES_H)
    for row in rows:
        if row.status == "completed":
            for i, n in enumerate(row.coarse or []):
                counts[i] += int(n)
    return counts


def merged_histogram(rows: Sequence[Any], field: str, status: str) -> dict[int, int]:
    """The summed duration histogram (``business_hist`` or ``wall_hist``) of the rows with ``status``."""
    return merge(getattr(r, field) for r in rows if r.status == status)


def started_and_ended_per_day(flt: AnalyticsFilter) -> tuple[dict[date, int], dict[date, int]]:
    """Instances started per day and, of those, how many ended per day."""
    started = dict(
        db.session.execute(
            select(InstanceDay.started_day, func.sum(InstanceDay.instances))
            .where(InstanceDay.definition_id.in_(flt.definition_ids), *_days(flt, InstanceDay.started_day))
            .group_by(InstanceDay.started_day)
        )
        .tuples()
        .all()
    )
    ended = dict(
        db.session.execute(
            select(InstanceEndDay.ended_day, func.sum(InstanceEndDay.instances))
            .where(
                InstanceEndDay.definition_id.in_(flt.definition_ids), *_days(flt, InstanceEndDay.started_day)
            )
            .group_by(InstanceEndDay.ended_day)
        )
        .tuples()
        .all()
    )
    return {d: int(n) for d, n in started.items() if n}, {d: int(n) for d, n in ended.items() if n}


def step_rows(
    flt: AnalyticsFilter, now: datetime
) -> tuple[list[tuple[Any, ...]], dict[str, list[float | None]]]:
    """Per element, the figures ``steps.step_stats`` needs, and the median and p90 of completed tasks:
    ``(element_id, name, tasks, completed, open, mean_s, mean_wait_s, mean_work_s, total_s, with_due, late)``."""
    rows = list(
        db.session.scalars(
            select(StepDay).where(
                StepDay.definition_id.in_(flt.definition_ids), *_days(flt, StepDay.created_day)
            )
        )
    )
    late_open = dict(
        db.session.execute(
            select(StepFact.element_id, func.count())
            .where(*flt.step_conditions(), StepFact.status == STEP_OPEN, StepFact.due_at < now)
            .group_by(StepFact.element_id)
        )
        .tuples()
        .all()
    )
    per_element: dict[str, list[StepDay]] = {}
    for row in rows:
        per_element.setdefault(row.element_id, []).append(row)
    result: list[tuple[Any, ...]] = []
    quantiles: dict[str, list[float | None]] = {}
    for element_id, group in per_element.items():
        done = [r for r in group if r.status == STEP_COMPLETED]
        completed = sum(r.tasks for r in done)
        business_n = sum(r.business_n for r in done)
        business_sum = sum(r.business_sum_s for r in done)
        result.append(
            (
                element_id,
                max(r.element_name or "" for r in group) or None,
                sum(r.tasks for r in group),
                completed,
                sum(r.tasks for r in group if r.status == STEP_OPEN),
                business_sum / business_n if business_n else None,
                sum(r.wait_business_sum_s for r in done) / completed if completed else None,
                sum(r.work_business_sum_s for r in done) / completed if completed else None,
                business_sum,
                sum(r.with_due for r in group),
                sum(r.late_done for r in done) + int(late_open.get(element_id, 0)),
            )
        )
        histogram = merged_histogram(group, "business_hist", STEP_COMPLETED)
        if histogram:
            where = [
                *flt.step_conditions(),
                StepFact.status == STEP_COMPLETED,
                StepFact.element_id == element_id,
            ]
            exact = exact_percentiles(StepFact.business_s, where, histogram, (0.5, 0.9))
            if exact is not None:
                quantiles[element_id] = exact
    return result, quantiles


def branch_rows(flt: AnalyticsFilter) -> list[tuple[Any, ...]]:
    """``(gateway, flow, instances, completed, cancelled, running, mean_business_s)`` per flow taken."""
    stmt = select(BranchDay).where(
        BranchDay.definition_id.in_(flt.definition_ids),
        BranchDay.branch_definition_id.in_(flt.definition_ids),
        *_days(flt, BranchDay.started_day),
    )
    totals: dict[tuple[str, str], dict[str, float]] = {}
    for row in db.session.scalars(stmt):
        entry = totals.setdefault((row.gateway, row.flow), {"n": 0, "completed": 0, "cancelled": 0, "running": 0,
                                                            "bn": 0, "bs": 0.0})  # fmt: skip
        entry["n"] += row.instances
        if row.status in ("completed", "cancelled", "running"):
            entry[row.status] += row.instances
        if row.status == "completed":
            entry["bn"] += row.business_n
            entry["bs"] += row.business_sum_s
    ordered = sorted(totals.items(), key=lambda item: (item[0][0], -item[1]["n"], item[0][1]))
    return [
        (gateway, flow or None, int(e["n"]), int(e["completed"]), int(e["cancelled"]), int(e["running"]),
         e["bs"] / e["bn"] if e["bn"] else None)
        for (gateway, flow), e in ordered
        if e["n"]
    ]  # fmt: skip


def branch_labels(definition_ids: Sequence[int]) -> dict[tuple[str, str | None], tuple[str, str]]:
    """``(gateway, flow) → (gateway name, variant)``, the greatest over the definitions."""
    rows = db.session.execute(
        select(
            BranchLabel.gateway,
            BranchLabel.flow,
            func.max(BranchLabel.gateway_name),
            func.max(BranchLabel.variant),
        )
        .where(BranchLabel.definition_id.in_(definition_ids))
        .group_by(BranchLabel.gateway, BranchLabel.flow)
    )
    return {(gateway, flow or None): (name or "", variant or "") for gateway, flow, name, variant in rows}
