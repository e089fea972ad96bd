"""What every analytics query is narrowed by, and the portable SQL helpers (percentiles, day buckets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select

from engine.analytics.models import InstanceFact, StepFact
from engine.db import db


@dataclass(frozen=True)
class AnalyticsFilter:
    """Instances of these definition versions started in ``[started_from, started_to)``.

    ``assignee_ids`` (None = everyone) keeps the instances with at least one step done by one of those users
    and, in the step figures, only their steps — the CRM turns a department into its users' ids.
    """

    definition_ids: tuple[int, ...]
    started_from: datetime | None = None
    started_to: datetime | None = None
    assignee_ids: tuple[int, ...] | None = None

    def instance_conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [InstanceFact.definition_id.in_(self.definition_ids)]
        if self.started_from is not None:
            conditions.append(InstanceFact.started_at >= self.started_from)
        if self.started_to is not None:
            conditions.append(InstanceFact.started_at < self.started_to)
        if self.assignee_ids is not None:
            conditions.append(
                exists().where(
                    StepFact.instance_id == InstanceFact.instance_id,
                    StepFact.assignee_id.in_(self.assignee_ids),
                )
            )
        return conditions

    def step_conditions(self) -> list[ColumnElement[bool]]:
        """Steps of the filtered definitions created in the period (by the filtered assignees)."""
        conditions: list[ColumnElement[bool]] = [StepFact.definition_id.in_(self.definition_ids)]
        if self.started_from is not None:
            conditions.append(StepFact.created_at >= self.started_from)
        if self.started_to is not None:
            conditions.append(StepFact.created_at < self.started_to)
        if self.assignee_ids is not None:
            conditions.append(StepFact.assignee_id.in_(self.assignee_ids))
        return conditions

    def instance_where(self) -> ColumnElement[bool]:
        return and_(*self.instance_conditions())


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def percentiles(
    value: Any, where: Sequence[ColumnElement[bool]], fractions: Sequence[float], *, group_by: Any = None
) -> dict[Any, list[float | None]]:
    """Percentiles (continuous, like PostgreSQL's ``percentile_cont``) of ``value`` per ``group_by`` key.

    PostgreSQL computes them in SQL; other databases get the ordered values and interpolate here.
    The key is None without ``group_by``.
    """
    conditions = [*where, value.is_not(None)]
    if is_postgresql():
        columns = [func.percentile_cont(f).within_group(value) for f in fractions]
        if group_by is None:
            row = db.session.execute(select(*columns).where(*conditions)).one()
            return {None: [None if v is None else float(v) for v in row]}
        stmt: Select[Any] = select(group_by, *columns).where(*conditions).group_by(group_by)
        return {r[0]: [None if v is None else float(v) for v in r[1:]] for r in db.session.execute(stmt)}
    grouped: dict[Any, list[float]] = {} if group_by is not None else {None: []}
    if group_by is None:
        for (v,) in db.session.execute(select(value).where(*conditions).order_by(value)):
            grouped[None].append(float(v))
    else:
        for k, v in db.session.execute(select(group_by, value).where(*conditions).order_by(value)):
            grouped.setdefault(k, []).append(float(v))
    return {k: [interpolate(vs, f) for f in fractions] for k, vs in grouped.items()}


def interpolate(ordered: Sequence[float], fraction: float) -> float | None:
    """The continuous percentile of already sorted values (None when there are none)."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def day_bucket(column: Any, bucket: str = "day") -> Any:
    """A SQL expression of the UTC day (or ISO week's Monday) of a timestamp column, as text YYYY-MM-DD."""
    if is_postgresql():
        return func.to_char(func.date_trunc(bucket, column), "YYYY-MM-DD")
    if bucket == "week":
        # SQLite: back to Monday (strftime %w: Sunday = 0).
        return func.date(column, func.printf("-%d days", (func.strftime("%w", column) + 6) % 7))
    return func.date(column)
