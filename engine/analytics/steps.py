"""Per-step figures for the heat map and the bottleneck ranking: frequency, durations, waiting vs working,
step SLA (due date kept) — from the step facts and the per-day element passes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from engine.analytics import summary_figures as days
from engine.analytics.filters import AnalyticsFilter, percentiles
from engine.analytics.models import STEP_COMPLETED, STEP_OPEN, ElementDay, StepFact
from engine.db import db, utcnow

HOUR = 3600.0
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"


@dataclass
class StepStats:
    element_id: str
    name: str
    passes: int = 0  # times the flow reached the element in the period (every element kind)
    tasks: int = 0  # human tasks created
    completed: int = 0
    open: int = 0
    mean_h: float | None = None  # business hours, completed tasks
    median_h: float | None = None
    p90_h: float | None = None
    mean_wait_h: float | None = None
    mean_work_h: float | None = None
    total_h: float = 0.0  # business hours consumed by completed tasks (bottleneck weight)
    with_due: int = 0
    late: int = 0  # completed after their due date, or open past it
    sla: str | None = None  # the designer's SLA text on the element
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def wait_share(self) -> float | None:
        """Share of a task's business time spent waiting to be claimed."""
        if not self.mean_wait_h and not self.mean_work_h:
            return None
        total = (self.mean_wait_h or 0) + (self.mean_work_h or 0)
        return (self.mean_wait_h or 0) / total if total else None

    @property
    def late_rate(self) -> float | None:
        return self.late / self.with_due if self.with_due else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "element_id": self.element_id,
            "name": self.name,
            "passes": self.passes,
            "tasks": self.tasks,
            "completed": self.completed,
            "open": self.open,
            "mean_h": self.mean_h,
            "median_h": self.median_h,
            "p90_h": self.p90_h,
            "mean_wait_h": self.mean_wait_h,
            "mean_work_h": self.mean_work_h,
            "wait_share": self.wait_share,
            "total_h": self.total_h,
            "with_due": self.with_due,
            "late": self.late,
            "late_rate": self.late_rate,
            "sla": self.sla,
        }


def step_stats(
    flt: AnalyticsFilter, *, bpmn_xml: str | None = None, now: datetime | None = None
) -> list[StepStats]:
    """Figures per element, in diagram order when ``bpmn_xml`` is given (names and SLA texts come from it)."""
    now = now or utcnow()
    if days.summary_applies(flt):
        rows, quantiles = days.step_rows(flt, now)
    else:
        rows, quantiles = _detailed_rows(flt, now)
    elements = diagram_elements(bpmn_xml) if bpmn_xml else {}
    stats: dict[str, StepStats] = {
        eid: StepStats(eid, info["name"], sla=info.get("sla")) for eid, info in elements.items()
    }
    for r in rows:
        s = stats.setdefault(r[0], StepStats(r[0], r[1] or r[0]))
        s.tasks, s.completed, s.open = int(r[2]), int(r[3] or 0), int(r[4] or 0)
        s.mean_h, s.mean_wait_h, s.mean_work_h = _h(r[5]), _h(r[6]), _h(r[7])
        s.total_h = float(r[8] or 0) / HOUR
        s.with_due, s.late = int(r[9] or 0), int(r[10] or 0)
        q = quantiles.get(r[0])
        if q:
            s.median_h, s.p90_h = _h(q[0]), _h(q[1])
    for element_id, passes in element_passes(flt).items():
        stats.setdefault(element_id, StepStats(element_id, element_id)).passes = passes
    for s in stats.values():
        s.passes = max(s.passes, s.tasks)
    return list(stats.values())


def _detailed_rows(flt: AnalyticsFilter, now: datetime) -> tuple[list[Any], dict[Any, list[float | None]]]:
    """The per-element aggregates straight from the step facts (filters the summaries cannot answer)."""
    where = flt.step_conditions()
    done = StepFact.status == STEP_COMPLETED
    late = case(
        (done & (StepFact.ended_at > StepFact.due_at), 1),
        ((StepFact.status == STEP_OPEN) & (StepFact.due_at < now), 1),
        else_=0,
    )
    rows = db.session.execute(
        select(
            StepFact.element_id,
            func.max(StepFact.element_name),
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((StepFact.status == STEP_OPEN, 1), else_=0)),
            func.avg(case((done, StepFact.business_s))),
            func.avg(case((done, StepFact.wait_business_s))),
            func.avg(case((done, StepFact.work_business_s))),
            func.sum(case((done, StepFact.business_s), else_=0.0)),
            func.sum(case((StepFact.due_at.is_not(None), 1), else_=0)),
            func.sum(late),
        )
        .where(*where)
        .group_by(StepFact.element_id)
    ).all()
    quantiles = percentiles(StepFact.business_s, [*where, done], (0.5, 0.9), group_by=StepFact.element_id)
    return list(rows), quantiles


def element_passes(flt: AnalyticsFilter) -> dict[str, int]:
    """Passes per element over the period (whole UTC days; assignee filter does not apply)."""
    stmt = select(ElementDay.element_id, func.sum(ElementDay.passes)).where(
        ElementDay.definition_id.in_(flt.definition_ids)
    )
    if flt.started_from is not None:
        stmt = stmt.where(ElementDay.day >= flt.started_from.date())
    if flt.started_to is not None:
        stmt = stmt.where(ElementDay.day < flt.started_to.date())
    return {eid: int(n or 0) for eid, n in db.session.execute(stmt.group_by(ElementDay.element_id))}


def bottlenecks(stats: list[StepStats], limit: int = 10) -> list[StepStats]:
    """Human steps ranked by the business time they consume (count × mean), then by their p90."""
    ranked = [s for s in stats if s.tasks]
    ranked.sort(key=lambda s: (s.total_h, s.p90_h or 0, s.open), reverse=True)
    return ranked[:limit]


def diagram_elements(bpmn_xml: str) -> dict[str, dict[str, Any]]:
    """Flow elements of a BPMN document in document order: ``{id: {"name", "type", "sla"}}``."""
    try:
        root = ET.fromstring(bpmn_xml)
    except ET.ParseError:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for process in root.iter(f"{_BPMN}process"):
        for el in process.iter():
            tag = el.tag.removeprefix(_BPMN)
            element_id = el.get("id")
            if (
                not element_id
                or tag in ("sequenceFlow", "lane", "laneSet", "process")
                or el.tag.startswith(_SPIFF)
            ):
                continue
            if not (
                tag.endswith(("Task", "Event", "Gateway")) or tag in ("task", "subProcess", "callActivity")
            ):
                continue
            sla = None
            for prop in el.iter(f"{_SPIFF}property"):
                if prop.get("name") == "sla":
                    sla = prop.get("value")
            found[element_id] = {"name": el.get("name") or element_id, "type": tag, "sla": sla}
    return found


def _h(seconds: Any) -> float | None:
    return None if seconds is None else float(seconds) / HOUR
