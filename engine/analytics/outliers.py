"""Outliers: completed instances far above the usual duration, and the values they have in common.

An instance is an outlier when its business duration exceeds Q3 + 1.5 × IQR of the filtered completed
instances (Tukey's fence). Their attributes — variants chosen, who did each step, who started it, plus any the
caller supplies per business key (the CRM adds the deal's or appeal's fields) — are compared with a baseline
of the most recent ordinary instances; a value is "common" when at least half the outliers have it and it is
at least 1.5 times as frequent among them as in the baseline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.analytics.filters import AnalyticsFilter, percentiles
from engine.analytics.models import STEP_COMPLETED, BranchFact, InstanceFact, StepFact
from engine.db import db

AttributeSource = Callable[[list[str]], dict[str, dict[str, str]]]
BASELINE_SIZE = 1000
MIN_SHARE = 0.5
MIN_LIFT = 1.5


@dataclass(frozen=True)
class OutlierReport:
    threshold_h: float | None
    instances: list[InstanceFact]
    common: list[dict[str, Any]]  # {"attribute", "value", "outlier_share", "baseline_share"}


def find_outliers(
    flt: AnalyticsFilter, *, attributes: AttributeSource | None = None, limit: int = 200
) -> OutlierReport:
    """Outlying completed instances (longest first) and the attribute values they share."""
    where = [*flt.instance_conditions(), InstanceFact.status == "completed"]
    q1, q3 = percentiles(InstanceFact.business_s, where, (0.25, 0.75))[None]
    if q1 is None or q3 is None:
        return OutlierReport(None, [], [])
    threshold = q3 + 1.5 * (q3 - q1)
    outliers = list(
        db.session.scalars(
            select(InstanceFact)
            .where(*where, InstanceFact.business_s > threshold)
            .order_by(InstanceFact.business_s.desc())
            .limit(limit)
        )
    )
    if not outliers:
        return OutlierReport(threshold / 3600.0, [], [])
    baseline = list(
        db.session.scalars(
            select(InstanceFact)
            .where(*where, InstanceFact.business_s <= threshold)
            .order_by(InstanceFact.started_at.desc())
            .limit(BASELINE_SIZE)
        )
    )
    common = _common_values(outliers, baseline, attributes)
    return OutlierReport(threshold / 3600.0, outliers, common)


def instance_attributes(
    facts: list[InstanceFact], attributes: AttributeSource | None = None
) -> dict[int, set[tuple[str, str]]]:
    """(attribute, value) pairs per instance: variants, step performers, starter and the caller's fields."""
    ids = [f.instance_id for f in facts]
    found: dict[int, set[tuple[str, str]]] = {i: set() for i in ids}
    for chunk in _chunks(ids):
        for instance_id, gateway_name, gateway, variant, flow in db.session.execute(
            select(
                BranchFact.instance_id,
                BranchFact.gateway_name,
                BranchFact.gateway,
                BranchFact.variant,
                BranchFact.flow,
            ).where(BranchFact.instance_id.in_(chunk))
        ):
            found[instance_id].add((f"variant: {gateway_name or gateway}", variant or flow or ""))
        for instance_id, element_name, element_id, assignee in db.session.execute(
            select(
                StepFact.instance_id, StepFact.element_name, StepFact.element_id, StepFact.assignee_id
            ).where(StepFact.instance_id.in_(chunk), StepFact.status == STEP_COMPLETED)
        ):
            if assignee is not None:
                found[instance_id].add((f"done by: {element_name or element_id}", f"user:{assignee}"))
    for f in facts:
        if f.started_by is not None:
            found[f.instance_id].add(("started by", f"user:{f.started_by}"))
    if attributes is not None:
        keyed = {f.business_key: f.instance_id for f in facts if f.business_key}
        for key, values in attributes(list(keyed)).items():
            if key in keyed:
                found[keyed[key]].update((name, str(value)) for name, value in values.items())
    return found


def _common_values(
    outliers: list[InstanceFact], baseline: list[InstanceFact], attributes: AttributeSource | None
) -> list[dict[str, Any]]:
    out_attrs = instance_attributes(outliers, attributes)
    base_attrs = instance_attributes(baseline, attributes) if baseline else {}
    out_counts = Counter(pair for pairs in out_attrs.values() for pair in pairs)
    base_counts = Counter(pair for pairs in base_attrs.values() for pair in pairs)
    common: list[dict[str, Any]] = []
    for pair, n in out_counts.items():
        out_share = n / len(outliers)
        base_share = base_counts.get(pair, 0) / len(baseline) if baseline else 0.0
        if out_share >= MIN_SHARE and (base_share == 0 or out_share >= MIN_LIFT * base_share):
            common.append(
                {
                    "attribute": pair[0],
                    "value": pair[1],
                    "outlier_share": out_share,
                    "baseline_share": base_share,
                }
            )
    common.sort(key=lambda c: (-float(c["outlier_share"]), float(c["baseline_share"]), str(c["attribute"])))
    return common


def _chunks(ids: list[int], size: int = 1000) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]
