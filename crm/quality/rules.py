"""Editing quality rules and loading the shipped templates (administrators)."""

from __future__ import annotations

from sqlalchemy import delete, select

from crm.accounts.models import ADMINISTRATOR, User
from crm.clients.models import PortraitAttribute
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.messages import N_, Message
from crm.quality.fields import CLIENT_FIELDS, CONTACT_FIELDS, portrait_code
from crm.quality.models import TARGET_CONTACT, TARGETS, QualityRule
from crm.quality.templates import QUALITY_TEMPLATES
from crm.statuses.models import STATUS_CODES
from engine.db import db


def list_quality_rules(work_status: str | None = None) -> list[QualityRule]:
    """Rules (all, or of one status) ordered by status, target, weight (heaviest first)."""
    q = select(QualityRule)
    if work_status is not None:
        q = q.where(QualityRule.work_status == work_status)
    return list(
        db.session.scalars(
            q.order_by(QualityRule.work_status, QualityRule.target, QualityRule.weight.desc(), QualityRule.id)
        )
    )


def save_quality_rule(
    actor: User,
    *,
    work_status: str,
    target: str,
    field: str,
    weight: int = 1,
    enabled: bool = True,
    rule_id: int | None = None,
) -> QualityRule:
    """Create or change one rule (administrators only; also offered straight from the card)."""
    _ensure_admin(actor)
    errors: dict[str, str] = {}
    if work_status not in STATUS_CODES:
        errors["work_status"] = Message(N_("One of %(choices)s."), choices=", ".join(STATUS_CODES))
    if target not in TARGETS:
        errors["target"] = N_("client or contact.")
    elif not _field_known(target, field):
        errors["field"] = f"Unknown {target} field {field!r}."
    if not 1 <= weight <= 100:
        errors["weight"] = N_("Between 1 and 100.")
    if errors:
        raise ValidationFailed(errors)
    rule = db.session.get(QualityRule, rule_id) if rule_id is not None else None
    if rule_id is not None and rule is None:
        raise NotFound(f"Quality rule {rule_id} does not exist.")
    if rule is None:
        rule = (
            db.session.scalars(
                select(QualityRule).where(
                    QualityRule.work_status == work_status,
                    QualityRule.target == target,
                    QualityRule.field == field,
                )
            ).first()
            or QualityRule()
        )
    rule.work_status, rule.target, rule.field, rule.weight, rule.enabled = (
        work_status,
        target,
        field,
        weight,
        enabled,
    )
    db.session.add(rule)
    db.session.commit()
    return rule


def delete_quality_rule(actor: User, rule_id: int) -> None:
    """Remove one rule (administrators only)."""
    _ensure_admin(actor)
    if db.session.execute(delete(QualityRule).where(QualityRule.id == rule_id)).rowcount == 0:
        raise NotFound(f"Quality rule {rule_id} does not exist.")
    db.session.commit()


def load_quality_template(actor: User | None, name: str = "recommended", *, replace: bool = True) -> int:
    """Load a shipped rule set in one call; ``replace`` clears the current rules first. Returns rules added.

    ``actor`` None is the system (initial set-up, demo data); a person must be an administrator.
    """
    if actor is not None:
        _ensure_admin(actor)
    template = QUALITY_TEMPLATES.get(name)
    if template is None:
        raise ValidationFailed({"template": f"Unknown template; one of {', '.join(QUALITY_TEMPLATES)}."})
    if replace:
        db.session.execute(delete(QualityRule))
    existing = {(r.work_status, r.target, r.field) for r in db.session.scalars(select(QualityRule))}
    added = 0
    for status, rules in template.items():
        for target, field, weight in rules:
            if (status, target, field) not in existing:
                db.session.add(QualityRule(work_status=status, target=target, field=field, weight=weight))
                added += 1
    db.session.commit()
    return added


def _field_known(target: str, field: str) -> bool:
    code = portrait_code(field)
    if code is None:
        return field in (CONTACT_FIELDS if target == TARGET_CONTACT else CLIENT_FIELDS)
    applies = ("contact",) if target == TARGET_CONTACT else ("client", "company", "person")
    found = db.session.scalar(
        select(PortraitAttribute.id).where(
            PortraitAttribute.code == code, PortraitAttribute.applies_to.in_(applies)
        )
    )
    return found is not None


def _ensure_admin(actor: User) -> None:
    if not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("Only an administrator may change quality rules."))
