"""Alerts: thresholds on monitoring figures, evaluated by a periodic job, notifying in the app and by e-mail.

E-mail goes through ``notify_email``, a hook that does nothing until the application installs a sender with
``set_email_sender`` (the mail connector's outbox) — the CRM never talks SMTP itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from crm.accounts.models import User
from crm.errors import NotFound, ValidationFailed
from crm.messages import N_, Message
from crm.monitoring.control import DEFAULT_IDLE_DAYS, idle_interest_counts
from crm.monitoring.models import AlertRule, Notification
from crm.monitoring.sla import breach_rate
from crm.monitoring.sla_facts import refresh_ticket_sla
from engine.db import db, utcnow
from engine.humantask_model import OPEN, HumanTask

EmailSender = Callable[[User, str, str], "bool | None"]

METRICS = {
    "reaction_breach_rate": "Reaction SLA breach rate, % of appeals registered in the window",
    "processing_breach_rate": "Processing SLA breach rate, % of appeals registered in the window",
    "overdue_tasks": "Open route-map tasks past their due date",
    "idle_interests": "Open interests without activity for 14 days",
}
REFIRE_AFTER = timedelta(days=1)  # a rule that stays crossed notifies again at most once a day
_email_sender: EmailSender | None = None


def set_email_sender(sender: EmailSender | None) -> None:
    """Install (or remove, with None) the function that e-mails a notification to a user."""
    global _email_sender
    _email_sender = sender


def notify_email(user: User, title: str, body: str) -> bool:
    """E-mail a notification through the installed sender; False when none is installed or it sent nothing."""
    if _email_sender is None or not user.email:
        return False
    return _email_sender(user, title, body) is not False


def save_alert_rule(
    *, name: str, metric: str, comparison: str, threshold: float, window_days: int, recipient_id: int,
    rule_id: int | None = None, is_active: bool = True,
) -> AlertRule:  # fmt: skip
    """Create or update a threshold rule; commits."""
    errors = {}
    if not name.strip():
        errors["name"] = N_("Give the rule a name.")
    if metric not in METRICS:
        errors["metric"] = Message(N_("One of %(choices)s."), choices=", ".join(METRICS))
    if comparison not in (">", "<"):
        errors["comparison"] = N_("'>' or '<'.")
    if not 1 <= window_days <= 3660:
        errors["window_days"] = N_("From 1 to 3660 days.")
    if db.session.get(User, recipient_id) is None:
        errors["recipient_id"] = N_("No such user.")
    if errors:
        raise ValidationFailed(errors)
    rule = db.session.get(AlertRule, rule_id) if rule_id else AlertRule()
    if rule is None:
        raise NotFound(f"no alert rule {rule_id}")
    rule.name, rule.metric, rule.comparison = name.strip(), metric, comparison
    rule.threshold, rule.window_days, rule.recipient_id, rule.is_active = (
        threshold,
        window_days,
        recipient_id,
        is_active,
    )
    db.session.add(rule)
    db.session.commit()
    return rule


def delete_alert_rule(rule_id: int) -> None:
    """Remove a rule (its past notifications stay); commits."""
    rule = db.session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound(f"no alert rule {rule_id}")
    db.session.delete(rule)
    db.session.commit()


def list_alert_rules() -> list[AlertRule]:
    """Every rule, by name."""
    return list(db.session.scalars(select(AlertRule).order_by(AlertRule.name)))


def metric_value(metric: str, window_days: int, now: datetime) -> float | None:
    """The current value of a metric (None when there is nothing to measure, e.g. no appeals with an SLA)."""
    since = now - timedelta(days=window_days)
    if metric in ("reaction_breach_rate", "processing_breach_rate"):
        rate = breach_rate(metric.split("_")[0], created_from=since, now=now)
        return None if rate is None else rate * 100
    if metric == "overdue_tasks":
        return float(
            db.session.scalar(select(func.count()).where(HumanTask.status == OPEN, HumanTask.due_at < now))
            or 0
        )
    if metric == "idle_interests":
        users = list(db.session.scalars(select(User.id)))
        return float(sum(idle_interest_counts(users, now - timedelta(days=DEFAULT_IDLE_DAYS)).values()))
    raise ValidationFailed({"metric": f"unknown metric {metric!r}"})


def evaluate_alerts(*, now: datetime | None = None) -> int:
    """Check every active rule; notify recipients of crossed ones (once a day at most); commits; returns fired."""
    now = now or utcnow()
    refresh_ticket_sla(now=now)
    fired = 0
    for rule in db.session.scalars(select(AlertRule).where(AlertRule.is_active)).all():
        value = metric_value(rule.metric, rule.window_days, now)
        rule.last_value, rule.last_checked_at = value, now
        crossed = value is not None and (
            value > rule.threshold if rule.comparison == ">" else value < rule.threshold
        )
        if not crossed or (rule.last_fired_at is not None and now - rule.last_fired_at < REFIRE_AFTER):
            continue
        rule.last_fired_at = now
        title = f"{rule.name}: {value:.1f} {rule.comparison} {rule.threshold:g}"
        body = f"{METRICS[rule.metric]} over the last {rule.window_days} day(s) is {value:.1f}."
        db.session.add(Notification(user_id=rule.recipient_id, rule_id=rule.id, title=title, body=body,
                                    link="/monitoring/sla", created_at=now))  # fmt: skip
        recipient = db.session.get(User, rule.recipient_id)
        if recipient is not None:
            notify_email(recipient, title, body)
        fired += 1
    db.session.commit()
    return fired


def notifications_for(user_id: int, *, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    """A user's notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)))


def mark_notifications_read(user_id: int) -> int:
    """Mark all of a user's notifications read; commits; returns how many changed."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
