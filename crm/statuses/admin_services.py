"""Administrator actions on work statuses the settings page needs: order and switch rules, and the
"recalculate all now" command run as a background job with stored progress."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.accounts.models import User
from crm.clients.models import Client
from crm.errors import NotFound, ValidationFailed
from crm.importing.admin_services import claim_job, ensure_admin, fail_job, finish_job, progress_writer
from crm.importing.jobs_models import JOB_RECALCULATE_STATUSES, QUEUED, RUNNING, AdminJob
from crm.messages import N_
from crm.statuses.models import StatusRule
from crm.statuses.rules import list_status_rules
from crm.statuses.services import recalculate_all
from engine.db import db
from engine.jobs import enqueue

POSITION_STEP = 10


def move_status_rule(actor: User, rule_id: int, direction: str) -> list[StatusRule]:
    """Move a rule one place ``up`` or ``down`` in evaluation order; positions are renumbered 10, 20, ..."""
    ensure_admin(actor)
    if direction not in ("up", "down"):
        raise ValidationFailed({"direction": N_("up or down")})
    rules = list_status_rules()
    index = next((i for i, rule in enumerate(rules) if rule.id == rule_id), None)
    if index is None:
        raise NotFound(f"Status rule {rule_id} does not exist.")
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, rule in enumerate(rules, start=1):
        rule.position = position * POSITION_STEP
    db.session.commit()
    return rules


def set_status_rule_enabled(actor: User, rule_id: int, enabled: bool) -> StatusRule:
    """Switch a rule on or off; a disabled rule is skipped by evaluation but kept in its place."""
    ensure_admin(actor)
    rule = db.session.get(StatusRule, rule_id)
    if rule is None:
        raise NotFound(f"Status rule {rule_id} does not exist.")
    rule.enabled = enabled
    db.session.commit()
    return rule


def get_status_rule(rule_id: int) -> StatusRule:
    """One rule for its edit form; ``NotFound`` when it is gone."""
    rule = db.session.get(StatusRule, rule_id)
    if rule is None:
        raise NotFound(f"Status rule {rule_id} does not exist.")
    return rule


def start_status_recalculation(actor: User) -> AdminJob:
    """Queue "recalculate all statuses now" (after commit); a run already queued or running is returned."""
    from crm.tasks import RUN_STATUS_RECALCULATION_JOB

    ensure_admin(actor)
    pending = latest_recalculation()
    if pending is not None and pending.state in (QUEUED, RUNNING):
        return pending
    total = db.session.scalar(select(func.count(Client.id)).where(Client.merged_into_id.is_(None))) or 0
    job = AdminJob(kind=JOB_RECALCULATE_STATUSES, state=QUEUED, created_by_id=actor.id, total=total)
    db.session.add(job)
    db.session.flush()
    enqueue(RUN_STATUS_RECALCULATION_JOB, job.id)
    db.session.commit()
    return job


def latest_recalculation() -> AdminJob | None:
    """The newest "recalculate all" run started from the settings page, if any."""
    return db.session.scalars(
        select(AdminJob)
        .where(AdminJob.kind == JOB_RECALCULATE_STATUSES)
        .order_by(AdminJob.id.desc())
        .limit(1)
    ).first()


def run_status_recalculation_job(job_id: int) -> AdminJob | None:
    """The background job: recalculate every client's status, storing progress after each batch."""
    job = claim_job(job_id, JOB_RECALCULATE_STATUSES)
    if job is None:
        return None
    write = progress_writer(job)
    total = job.total
    try:
        result = recalculate_all(progress=lambda processed: write(processed, max(total, processed)))
    except Exception as exc:
        fail_job(job_id, f"The recalculation stopped: {type(exc).__name__}.")
        raise
    job = finish_job(job_id, {"processed": result.processed, "changed": result.changed})
    job.total = job.done = result.processed
    db.session.commit()
    return job
