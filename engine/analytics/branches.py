"""Branch analysis: at each gateway, how often each outgoing flow was taken and how those instances ended."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from engine.analytics import summary_figures as days
from engine.analytics.filters import AnalyticsFilter
from engine.analytics.models import BranchFact, InstanceFact
from engine.db import db

HOUR = 3600.0


def branch_stats(flt: AnalyticsFilter) -> list[dict[str, Any]]:
    """One dict per gateway: ``{"gateway", "name", "instances", "flows": [{flow, variant, instances, share,
    completed, cancelled, running, mean_h}]}``; an instance taking a flow twice (a loop) counts once."""
    if days.summary_applies(flt):
        return _by_gateway(days.branch_rows(flt), days.branch_labels(flt.definition_ids))
    return _by_gateway(_detailed_rows(flt), _labels(flt))


def _detailed_rows(flt: AnalyticsFilter) -> list[Any]:
    taken = (
        select(BranchFact.gateway, BranchFact.flow, BranchFact.instance_id)
        .join(InstanceFact, InstanceFact.instance_id == BranchFact.instance_id)
        .where(*flt.instance_conditions(), BranchFact.definition_id.in_(flt.definition_ids))
        .distinct()
        .subquery()
    )
    done = InstanceFact.status == "completed"
    return list(
        db.session.execute(
            select(
                taken.c.gateway,
                taken.c.flow,
                func.count(),
                func.sum(case((done, 1), else_=0)),
                func.sum(case((InstanceFact.status == "cancelled", 1), else_=0)),
                func.sum(case((InstanceFact.status == "running", 1), else_=0)),
                func.avg(case((done, InstanceFact.business_s))),
            )
            .join(InstanceFact, InstanceFact.instance_id == taken.c.instance_id)
            .group_by(taken.c.gateway, taken.c.flow)
            .order_by(taken.c.gateway, func.count().desc())
        ).all()
    )


def _labels(flt: AnalyticsFilter) -> dict[Any, tuple[str, str]]:
    return dict(
        (
            (gateway, flow),
            (gateway_name, variant),
        )
        for gateway, flow, gateway_name, variant in db.session.execute(
            select(
                BranchFact.gateway,
                BranchFact.flow,
                func.max(BranchFact.gateway_name),
                func.max(BranchFact.variant),
            )
            .where(BranchFact.definition_id.in_(flt.definition_ids))
            .group_by(BranchFact.gateway, BranchFact.flow)
        )
    )


def _by_gateway(rows: list[Any], labels: dict[Any, tuple[str, str]]) -> list[dict[str, Any]]:
    gateways: dict[str, dict[str, Any]] = {}
    for gateway, flow, count, completed, cancelled, running, mean_s in rows:
        gateway_name, variant = labels.get((gateway, flow), ("", ""))
        entry = gateways.setdefault(
            gateway, {"gateway": gateway, "name": gateway_name or gateway, "instances": 0, "flows": []}
        )
        entry["instances"] += int(count)
        entry["flows"].append(
            {
                "flow": flow,
                "variant": variant or flow or "",
                "instances": int(count),
                "completed": int(completed or 0),
                "cancelled": int(cancelled or 0),
                "running": int(running or 0),
                "mean_h": None if mean_s is None else float(mean_s) / HOUR,
            }
        )
    for entry in gateways.values():
        for f in entry["flows"]:
            f["share"] = f["instances"] / entry["instances"] if entry["instances"] else 0.0
    return list(gateways.values())
