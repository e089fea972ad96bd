"""Keeps the per-day summaries (``InstanceDay``, ``InstanceEndDay``, ``StepDay``, ``BranchDay``,
``BranchLabel``, and their splits by people: ``InstancePeopleDay``, ``InstancePeopleEndDay``, ``PeopleSet``,
``StepAssigneeDay``, ``BranchPeopleDay``) equal to what the fact tables add up to.

The rollup takes each fact a batch touches out of the summaries as it was before the batch (sign −1) and puts
it back as it is after (sign +1); only the difference is written. An instance that ends thus moves from its
"running" row to its "completed" row, a step from "open" to "completed", an instance whose step someone claims
from one people set's rows to another's, and so on. A summary row whose count drops to zero is deleted, so an
incremental refresh leaves exactly the rows a full rebuild would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

from engine.analytics.filters import is_postgresql
from engine.analytics.histogram import COARSE_EDGES_H, add_value
from engine.analytics.models import (
    STEP_COMPLETED,
    BranchDay,
    BranchFact,
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
    people_key,
)
from engine.analytics.periods import PERIODS, period_start
from engine.db import db

BranchPair = tuple[int, str, str | None]  # (branch definition id, gateway, flow)
_KEYS: dict[type, tuple[str, ...]] = {
    InstanceDay: ("definition_id", "started_day", "status"),
    InstanceEndDay: ("definition_id", "started_day", "ended_day"),
    StepDay: ("definition_id", "element_id", "created_day", "status"),
    BranchDay: ("definition_id", "branch_definition_id", "gateway", "flow", "started_day", "status"),
    BranchLabel: ("definition_id", "gateway", "flow"),
    InstancePeopleDay: ("definition_id", "period", "people", "started_day", "status"),
    InstancePeopleEndDay: ("definition_id", "people", "started_day", "ended_day"),
    PeopleSet: ("definition_id", "people"),
    StepAssigneeDay: ("definition_id", "period", "assignee_id", "created_day", "element_id", "status"),
    BranchPeopleDay: ("definition_id", "people", "branch_definition_id", "gateway", "flow", "started_day",
                      "status"),
}  # fmt: skip
_COUNTERS: dict[type, str] = {
    InstanceDay: "instances",
    InstanceEndDay: "instances",
    StepDay: "tasks",
    BranchDay: "instances",
    InstancePeopleDay: "instances",
    InstancePeopleEndDay: "instances",
    PeopleSet: "instances",
    StepAssigneeDay: "tasks",
    BranchPeopleDay: "instances",
}
# (instance day, ended day, branch day) summaries: all instances, and split by their people set.
_INSTANCE_MODELS = (
    (InstanceDay, InstanceEndDay, BranchDay),
    (InstancePeopleDay, InstancePeopleEndDay, BranchPeopleDay),
)
_HISTOGRAMS = {"business_hist", "wall_hist"}


def coarse_bucket(business_s: float) -> int:
    """Index of the page's duration bucket (``COARSE_EDGES_H``) holding a business duration."""
    hours = business_s / 3600.0
    index = 0
    for i, low in enumerate(COARSE_EDGES_H):
        if hours >= low:
            index = i
    return index


class SummaryDelta:
    """Signed changes to summary rows, keyed by (model, primary key)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[type, tuple[Any, ...]], dict[str, Any]] = {}

    def _row(self, model: type, key: tuple[Any, ...]) -> dict[str, Any]:
        return self.rows.setdefault((model, key), {})

    def _add(self, row: dict[str, Any], field: str, amount: float) -> None:
        row[field] = row.get(field, 0) + amount

    def _measure(
        self, row: dict[str, Any], name: str, value: float | None, sign: int, histogram: bool
    ) -> None:
        if value is None:
            return
        self._add(row, f"{name}_n", sign)
        self._add(row, f"{name}_sum_s", sign * value)
        if histogram:
            add_value(row.setdefault(f"{name}_hist", {}), value, sign)

    def instance(self, fact: InstanceFact, pairs: Iterable[BranchPair], sign: int) -> None:
        """Count (sign +1) or uncount (−1) one instance fact with the flows it took (and its people set)."""
        pairs = set(pairs)
        self._instance(fact, pairs, sign, _INSTANCE_MODELS[0], ())
        if fact.people is not None:
            self._add(self._row(PeopleSet, (fact.definition_id, fact.people)), "instances", sign)
            self._instance(fact, pairs, sign, _INSTANCE_MODELS[1], (fact.people,))

    def _instance(
        self,
        fact: InstanceFact,
        pairs: set[BranchPair],
        sign: int,
        models: Sequence[type],
        split: tuple[str, ...],
    ) -> None:
        day_model, end_model, branch_model = models
        day = fact.started_at.date()
        if split:  # the people rows per day, week and month
            for period in PERIODS:
                key = (fact.definition_id, period, *split, period_start(day, period), fact.status)
                self._instance_measures(self._row(day_model, key), fact, sign)
        else:
            self._instance_measures(self._row(day_model, (fact.definition_id, day, fact.status)), fact, sign)
        if fact.ended_at is not None:
            end = self._row(end_model, (fact.definition_id, *split, day, fact.ended_at.date()))
            self._add(end, "instances", sign)
        for branch_definition, gateway, flow in pairs:
            key = (fact.definition_id, *split, branch_definition, gateway, flow or "", day, fact.status)
            branch = self._row(branch_model, key)
            self._add(branch, "instances", sign)
            self._measure(branch, "business", fact.business_s, sign, False)

    def _instance_measures(self, row: dict[str, Any], fact: InstanceFact, sign: int) -> None:
        self._add(row, "instances", sign)
        self._measure(row, "business", fact.business_s, sign, True)
        self._measure(row, "wall", fact.duration_s, sign, True)
        if fact.business_s is not None:
            coarse = row.setdefault("coarse", {})
            bucket = coarse_bucket(fact.business_s)
            coarse[bucket] = coarse.get(bucket, 0) + sign

    def step(self, fact: StepFact, sign: int) -> None:
        """Count (sign +1) or uncount (−1) one step fact (and under its assignee, per day, week and month)."""
        day = fact.created_at.date()
        self._step(self._row(StepDay, (fact.definition_id, fact.element_id, day, fact.status)), fact, sign)
        if fact.assignee_id is not None:
            for period in PERIODS:
                key = (fact.definition_id, period, fact.assignee_id, period_start(day, period), fact.element_id,
                       fact.status)  # fmt: skip
                self._step(self._row(StepAssigneeDay, key), fact, sign)

    def _step(self, row: dict[str, Any], fact: StepFact, sign: int) -> None:
        row["element_name"] = max(row.get("element_name", ""), fact.element_name or "")
        self._add(row, "tasks", sign)
        self._measure(row, "business", fact.business_s, sign, True)
        self._add(row, "wait_business_sum_s", sign * (fact.wait_business_s or 0.0))
        self._add(row, "work_business_sum_s", sign * (fact.work_business_s or 0.0))
        if fact.due_at is not None:
            self._add(row, "with_due", sign)
            late = fact.status == STEP_COMPLETED and fact.ended_at is not None and fact.ended_at > fact.due_at
            self._add(row, "late_done", sign if late else 0)

    def label(
        self, definition_id: int, gateway: str, flow: str | None, gateway_name: str, variant: str
    ) -> None:
        """Remember a flow's labels (the greatest of each, like ``max()`` over the branch facts)."""
        row = self._row(BranchLabel, (definition_id, gateway, flow or ""))
        row["gateway_name"] = max(row.get("gateway_name", ""), gateway_name)
        row["variant"] = max(row.get("variant", ""), variant)

    def apply(self) -> None:
        """Write the changes: update or insert the touched rows, delete those whose count reaches zero."""
        by_model: dict[type, dict[tuple[Any, ...], dict[str, Any]]] = {}
        for (model, key), change in self.rows.items():
            by_model.setdefault(model, {})[key] = change
        for model, changes in by_model.items():
            existing = _load_rows(model, list(changes))
            for key, change in changes.items():
                _apply_row(model, key, change, existing.get(key))

    def insert_all(self) -> None:
        """Write the rows into empty summaries (a rebuild): the rows ``apply`` would leave, inserted in bulk."""
        by_model: dict[type, list[dict[str, Any]]] = {}
        for (model, key), change in self.rows.items():
            if model is not BranchLabel and not change.get(_COUNTERS[model]):
                continue
            values = dict(zip(_KEYS[model], key, strict=True))
            if model is not BranchLabel:
                values.update(_empty(model))
            for field, amount in change.items():
                if field in _HISTOGRAMS:
                    values[field] = {bucket: n for bucket, n in amount.items() if n}
                elif field == "coarse":
                    for bucket, n in amount.items():
                        values[field][bucket] += n
                else:
                    values[field] = amount
            by_model.setdefault(model, []).append(values)
        for model, rows in by_model.items():
            for i in range(0, len(rows), 5000):
                db.session.execute(insert(model), rows[i : i + 5000])


def _load_rows(model: type, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Any]:
    names = _KEYS[model]
    columns = [getattr(model, n) for n in names]
    found: dict[tuple[Any, ...], Any] = {}
    postgresql = is_postgresql()
    size = 5000 if postgresql else 500
    for i in range(0, len(keys), size):
        chunk = keys[i : i + size]
        if postgresql:  # one array per key column: a short statement whatever the number of keys
            arrays = [
                bindparam(f"k{j}", [key[j] for key in chunk], type_=ARRAY(c.type))
                for j, c in enumerate(columns)
            ]
            wanted: Any = select(*(func.unnest(a) for a in arrays))
        else:
            wanted = chunk
        rows: Any = db.session.scalars(select(model).where(tuple_(*columns).in_(wanted)))
        for row in rows:
            found[tuple(_normal(getattr(row, n)) for n in names)] = row
    return found


def _normal(value: Any) -> Any:
    return value if not isinstance(value, date) else date(value.year, value.month, value.day)


def _apply_row(model: type, key: tuple[Any, ...], change: dict[str, Any], row: Any) -> None:
    if model is BranchLabel:
        if row is None:
            db.session.add(BranchLabel(**dict(zip(_KEYS[model], key, strict=True)), **change))
        else:
            row.gateway_name = max(row.gateway_name or "", change["gateway_name"])
            row.variant = max(row.variant or "", change["variant"])
        return
    counter = _COUNTERS[model]
    if row is None:
        if not change.get(counter):
            return  # a fact taken out and put back unchanged
        row = model(**dict(zip(_KEYS[model], key, strict=True)), **_empty(model))
        db.session.add(row)
    for field, amount in change.items():
        if field in _HISTOGRAMS:
            merged = dict(getattr(row, field) or {})
            for bucket, count in amount.items():
                total = merged.get(bucket, 0) + count
                if total:
                    merged[bucket] = total
                else:
                    merged.pop(bucket, None)
            setattr(row, field, merged)
        elif field == "coarse":
            counts = list(getattr(row, field) or [0] * len(COARSE_EDGES_H))
            for bucket, count in amount.items():
                counts[bucket] += count
            row.coarse = counts
        elif field == "element_name":
            row.element_name = max(row.element_name or "", amount)
        else:
            setattr(row, field, (getattr(row, field) or 0) + amount)
    if not getattr(row, counter):
        if row in db.session.new:
            db.session.expunge(row)
        else:
            db.session.delete(row)


def _empty(model: type) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if column.name in _KEYS[model]:
            continue
        if column.name == "coarse":
            values[column.name] = [0] * len(COARSE_EDGES_H)
        elif column.name in _HISTOGRAMS:
            values[column.name] = {}
        elif column.name == "element_name":
            values[column.name] = ""
        else:
            values[column.name] = 0
    return values


def refresh_people(facts: Iterable[InstanceFact]) -> None:
    """Set each instance fact's ``people`` from the (flushed) step facts of its instance."""
    by_id = {f.instance_id: f for f in facts}
    found: dict[int, set[int]] = {}
    ids = sorted(by_id)
    for i in range(0, len(ids), 1000):
        for instance_id, assignee_id in db.session.execute(
            select(StepFact.instance_id, StepFact.assignee_id)
            .where(StepFact.instance_id.in_(ids[i : i + 1000]), StepFact.assignee_id.is_not(None))
            .distinct()
        ):
            found.setdefault(instance_id, set()).add(assignee_id)
    for instance_id, fact in by_id.items():
        people = people_key(found.get(instance_id, ()))
        if fact.people != people:
            fact.people = people


def clear_summaries() -> None:
    """Delete every summary row (a full rebuild refills them)."""
    for model in _KEYS:
        db.session.execute(delete(model))


def rebuild_summaries(*, chunk: int = 5000) -> None:
    """Refill the summaries from the fact tables (no event-log read: for upgrades and checks), setting each
    instance fact's ``people`` from its steps on the way; commits."""
    clear_summaries()
    delta = SummaryDelta()  # every row, in memory: written once at the end
    for definition_id, gateway, flow, gateway_name, variant in db.session.execute(
        select(BranchFact.definition_id, BranchFact.gateway, BranchFact.flow, BranchFact.gateway_name,
               BranchFact.variant).distinct()
    ):  # fmt: skip
        delta.label(definition_id, gateway, flow, gateway_name or "", variant or "")
    last = -1
    while True:
        facts = list(
            db.session.scalars(
                select(InstanceFact)
                .where(InstanceFact.instance_id > last)
                .order_by(InstanceFact.instance_id)
                .limit(chunk)
            )
        )
        if not facts:
            break
        last = facts[-1].instance_id
        pairs: dict[int, set[BranchPair]] = {}
        for instance_id, definition_id, gateway, flow in db.session.execute(
            select(BranchFact.instance_id, BranchFact.definition_id, BranchFact.gateway, BranchFact.flow)
            .where(BranchFact.instance_id >= facts[0].instance_id, BranchFact.instance_id <= last)
            .distinct()
        ):
            pairs.setdefault(instance_id, set()).add((definition_id, gateway, flow))
        refresh_people(facts)
        for fact in facts:
            delta.instance(fact, pairs.get(fact.instance_id, ()), +1)
        db.session.flush()
        db.session.expunge_all()
    last = -1
    while True:
        steps = list(
            db.session.scalars(
                select(StepFact).where(StepFact.task_id > last).order_by(StepFact.task_id).limit(chunk)
            )
        )
        if not steps:
            break
        last = steps[-1].task_id
        for step in steps:
            delta.step(step, +1)
        db.session.expunge_all()
    delta.insert_all()
    db.session.commit()
