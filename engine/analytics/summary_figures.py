"""The efficiency figures read from the per-day summaries instead of the fact tables.

They answer a filter of whole UTC days (bounds at midnight or open) — ``summary_applies``; anything else goes to
the detailed queries over the facts. Counts, sums and means are exact. A percentile is exact too: the summed
histogram says which narrow bucket holds each order statistic ``percentile_cont`` interpolates between and its
rank inside the bucket, and one indexed read of the facts inside that bucket returns the value.

With an assignee/department filter the figures come from the summaries split by people, summed in SQL: the
instance figures from the rows of every people set (``PeopleSet``) that meets the filter — each instance is in
exactly one, so one worked on by several filtered people counts once — and the step figures from the filtered
assignees' rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import JSON, ColumnElement, and_, func, or_, select

from engine.analytics import periods
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
    people_ids,
)
from engine.db import db

T = TypeVar("T")
_CACHE = "engine.analytics.summary_figures"


def summary_applies(flt: AnalyticsFilter) -> bool:
    """Whether the per-day summaries answer this filter exactly (whole UTC days)."""
    return all(
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


def matched_people(flt: AnalyticsFilter) -> list[str]:
    """The people sets (``InstanceFact.people``) of the filter's definitions that hold a filtered assignee."""
    wanted = set(flt.assignee_ids or ())

    def compute() -> list[str]:
        found = db.session.scalars(
            select(PeopleSet.people).where(PeopleSet.definition_id.in_(flt.definition_ids)).distinct()
        )
        return [people for people in found if people_ids(people) & wanted]

    return _cached("matched_people", flt, compute)


def instance_conditions(flt: AnalyticsFilter) -> list[ColumnElement[bool]]:
    """``flt.instance_conditions()`` with a people filter read from ``InstanceFact.people`` (the same instances)."""
    if flt.assignee_ids is None:
        return flt.instance_conditions()
    return [
        *replace(flt, assignee_ids=None).instance_conditions(),
        InstanceFact.people.in_(matched_people(flt)),
    ]


def _people_rows(
    flt: AnalyticsFilter,
    model: Any,
    keys: Sequence[str],
    *more: ColumnElement[bool],
    fields: Sequence[str] | None = None,
    per_day: bool = False,
    merge_status: str | None = None,
) -> list[Any]:
    """A people-split summary's rows of the filter (its people sets, periods by start) summed per ``keys``;
    ``per_day`` reads the day rows only (else the fewest day, week and month rows covering the period)."""
    where = [
        model.definition_id.in_(flt.definition_ids),
        model.people.in_(matched_people(flt)),
        *_periods(flt, model, "started_day", per_day),
        *more,
    ]
    return summed_rows(model, where, keys, fields, merge_status)


def _periods(flt: AnalyticsFilter, model: Any, day: str, per_day: bool = False) -> list[ColumnElement[bool]]:
    """The filter's days on a summary with day rows, or with day, week and month rows (a ``period`` column)."""
    column = getattr(model, day)
    if not hasattr(model, "period"):
        return _days(flt, column)
    if per_day:
        return [model.period == periods.DAY, *_days(flt, column)]
    bounds = [None if b is None else b.date() for b in (flt.started_from, flt.started_to)]
    return [
        or_(*(
            and_(model.period == period, *([] if lo is None else [column >= lo]), *([] if hi is None else [column < hi]))
            for period, lo, hi in periods.cover(bounds[0], bounds[1])
        ))
    ]  # fmt: skip


def summed_rows(
    model: Any,
    where: Sequence[ColumnElement[bool]],
    keys: Sequence[str],
    fields: Sequence[str] | None = None,
    merge_status: str | None = None,
) -> list[Any]:
    """The summary rows ``where`` selects added up per ``keys``: objects with the model's fields (or only
    ``fields``): counts and sums added in SQL; histograms merged and ``coarse`` added per bucket as the rows are
    read (a people filter's period reads a few thousand at most), only for the rows with ``merge_status`` when
    given (None elsewhere); ``element_name`` the greatest."""
    table = model.__table__
    group = [table.c[k] for k in keys]
    columns = [c for c in table.columns if not c.primary_key and (fields is None or c.name in fields)]
    measures = [(func.max if c.name == "element_name" else func.sum)(c).label(c.name) for c in columns
                if not isinstance(c.type, JSON)]  # fmt: skip
    merged = [c for c in columns if isinstance(c.type, JSON)]
    found = {
        tuple(row[k] for k in keys): SimpleNamespace(**row, **{c.name: None for c in merged})
        for row in db.session.execute(select(*group, *measures).where(*where).group_by(*group)).mappings()
    }
    if merged:
        only = [] if merge_status is None else [table.c.status == merge_status]
        for row in db.session.execute(select(*group, *merged).where(*where, *only)):
            total = found[tuple(row[: len(keys)])]
            for column, value in zip(merged, row[len(keys) :], strict=True):
                if isinstance(value, list):  # coarse: counts per page bucket
                    old = getattr(total, column.name) or [0] * len(value)
                    setattr(total, column.name, [a + b for a, b in zip(old, value, strict=True)])
                else:  # a histogram
                    histogram = getattr(total, column.name)
                    if histogram is None:
                        histogram = {}
                        setattr(total, column.name, histogram)
                    for bucket, count in (value or {}).items():
                        histogram[bucket] = histogram.get(bucket, 0) + count
    return list(found.values())


def _cached(name: str, flt: AnalyticsFilter, compute: Callable[[], T]) -> T:
    """``compute()`` once per filter and transaction (the page asks several figures of the same rows)."""
    session = db.session()
    session.connection()  # begins the transaction when none has begun yet
    transaction = session.get_transaction()
    holder = session.info.get(_CACHE)
    if holder is None or holder[0] is not transaction:
        holder = session.info[_CACHE] = (transaction, {})
    cache: dict[tuple[str, AnalyticsFilter], T] = holder[1]
    if (name, flt) not in cache:
        cache[(name, flt)] = compute()
    return cache[(name, flt)]


def instance_days(flt: AnalyticsFilter) -> list[Any]:
    """The instance summary rows of the filter's definitions and days (with people: summed per status)."""
    if flt.assignee_ids is not None:
        # The figures read the histograms of completed instances only.
        return _cached(
            "instance_days",
            flt,
            lambda: _people_rows(flt, InstancePeopleDay, ("status",), merge_status="completed"),
        )
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
    found: dict[int, float] = {}
    result: list[float | None] = []
    for fraction in fractions:
        low, high, weight = percentile_ranks(total, fraction)
        for rank in (low, high):
            if rank not in found:
                found.update(_read_ranks(column, where, histogram, rank))
        if low not in found or high not in found:
            return None
        a, b = found[low], found[high]
        result.append(a + (b - a) * weight)
    return result


def _read_ranks(
    column: Any, where: Sequence[ColumnElement[bool]], histogram: dict[int, int], rank: int
) -> dict[int, float]:
    """The ``rank``-th smallest value and the next one when it is in the same bucket: one read inside the
    bucket, from its nearer end (empty when the facts hold fewer values than the histogram counts)."""
    located = locate(histogram, rank)
    if located is None:
        return {}
    bucket, inside = located
    if bucket == ZERO:
        return {rank: 0.0}
    count = histogram[bucket]
    take = 2 if inside + 1 < count else 1
    low, high = bucket_bounds(bucket)
    in_bucket = [column > 0, column < 1] if bucket == SUB_SECOND else [column >= low, column < high]
    stmt = select(column).where(*where, *in_bucket).limit(take)
    if count - inside - take < inside:  # nearer the top: count down from the greatest
        values = list(db.session.scalars(stmt.order_by(column.desc()).offset(count - inside - take)))[::-1]
    else:
        values = list(db.session.scalars(stmt.order_by(column).offset(inside)))
    if len(values) < take:
        return {}
    return {rank + i: float(v) for i, v in enumerate(values)}


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
    if flt.assignee_ids is not None:
        started_rows = _people_rows(
            flt, InstancePeopleDay, ("started_day",), fields=("instances",), per_day=True
        )
        ended_rows = _people_rows(flt, InstancePeopleEndDay, ("ended_day",))
        started = {r.started_day: r.instances for r in started_rows}
        ended = {r.ended_day: r.instances for r in ended_rows}
    else:
        started = dict(
            db.session.execute(
                select(InstanceDay.started_day, func.sum(InstanceDay.instances))
                .where(
                    InstanceDay.definition_id.in_(flt.definition_ids), *_days(flt, InstanceDay.started_day)
                )
                .group_by(InstanceDay.started_day)
            )
            .tuples()
            .all()
        )
        ended = dict(
            db.session.execute(
                select(InstanceEndDay.ended_day, func.sum(InstanceEndDay.instances))
                .where(
                    InstanceEndDay.definition_id.in_(flt.definition_ids),
                    *_days(flt, InstanceEndDay.started_day),
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
    rows: list[Any]
    if flt.assignee_ids is not None:
        where = [
            StepAssigneeDay.definition_id.in_(flt.definition_ids),
            StepAssigneeDay.assignee_id.in_(flt.assignee_ids),
            *_periods(flt, StepAssigneeDay, "created_day"),
        ]
        rows = summed_rows(StepAssigneeDay, where, ("element_id", "status"), merge_status=STEP_COMPLETED)
    else:
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
    per_element: dict[str, list[Any]] = {}
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
    rows: Any
    if flt.assignee_ids is not None:
        rows = _people_rows(
            flt,
            BranchPeopleDay,
            ("gateway", "flow", "status"),
            BranchPeopleDay.branch_definition_id.in_(flt.definition_ids),
        )
    else:
        rows = db.session.scalars(
            select(BranchDay).where(
                BranchDay.definition_id.in_(flt.definition_ids),
                BranchDay.branch_definition_id.in_(flt.definition_ids),
                *_days(flt, BranchDay.started_day),
            )
        )
    totals: dict[tuple[str, str], dict[str, float]] = {}
    for row in rows:
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
