"""Appeal SLA in business hours with pauses, per type/department/employee, the problem list and alerts."""

from __future__ import annotations

import pytest

from crm.monitoring import alerts
from crm.monitoring.models import Notification, TicketSlaFact
from crm.monitoring.sla import sla_problems, sla_report
from crm.monitoring.sla_facts import refresh_ticket_sla
from engine.db import db
from tests.analytics_history import NOW, msk
from tests.monitoring_history import build_ticket_history


@pytest.fixture
def tickets(any_app):
    built = build_ticket_history()
    assert refresh_ticket_sla(now=NOW) == 4
    return built


def test_facts_hold_business_hours_and_pauses(tickets):
    t1, t2, t3, t4 = (db.session.get(TicketSlaFact, t.id) for t in tickets["tickets"])
    assert (t1.reaction_state, t1.reaction_elapsed_h, t1.reaction_due_at) == ("met", 1.75, msk(16, 10, 30))
    assert (t1.processing_state, t1.processing_elapsed_h, t1.processing_target_h, t1.paused_h) == (
        "met",
        3.5,
        9,
        0.5,
    )
    assert (t2.reaction_state, t2.reaction_due_at, t2.processing_due_at) == (None, msk(16, 11), msk(17, 9))
    assert (t3.processing_frozen, t3.processing_due_at, t3.paused_h) == ("on_track", None, 1.5)
    assert (t4.reaction_due_at, t4.reaction_risk_at) == (msk(16, 12), msk(16, 11, 36))
    assert t1.department_id == tickets["support"].id


def test_report_per_type_department_employee(tickets):
    report = sla_report(now=NOW)
    [claim] = report.by_type
    assert claim.label == "Claim"
    r = claim.as_dict()["reaction"]
    assert (r["total"], r["met"], r["breached"], r["at_risk"], r["breach_rate"]) == (4, 2, 1, 1, 0.25)
    p = claim.as_dict()["processing"]
    assert (p["met"], p["on_track"], p["breached"], p["met_rate"]) == (1, 3, 0, 0.25)
    departments = {row.label: row.as_dict()["reaction"] for row in report.by_department}
    assert (departments["Support"]["met"], departments["Support"]["breached"]) == (1, 1)
    assert (departments["Sales"]["met"], departments["Sales"]["at_risk"]) == (1, 1)
    employees = {row.label: row.as_dict()["reaction"]["breach_rate"] for row in report.by_employee}
    assert employees == {"Anna Agent": 0.5, "Boris Seller": 0.0}
    assert report.overall.rate("reaction", "breached") == 0.25


def test_now_moves_open_clocks_in_sql(tickets):
    later = sla_report(now=msk(17, 12)).overall.as_dict()
    # T2 and T4 now past their processing deadlines; T3 stays frozen while it waits for the client.
    assert (later["processing"]["breached"], later["processing"]["on_track"]) == (2, 1)
    assert later["reaction"]["breached"] == 2


def test_problem_list_breached_and_at_risk(tickets):
    problems = sla_problems(now=NOW)
    assert [(p["subject"], p["reaction"]) for p in problems] == [
        ("Late courier", "at_risk"),
        ("Wrong invoice", "breached"),
    ]
    assert sla_problems(now=NOW, department_id=tickets["support"].id)[0]["responsible"] == "Anna Agent"


def test_changed_ticket_is_recomputed(tickets):
    t2 = tickets["tickets"][1]
    t2.first_response_at = msk(16, 11, 30)
    t2.updated_at = msk(16, 11, 30)
    db.session.commit()
    assert refresh_ticket_sla(now=NOW) == 1
    assert db.session.get(TicketSlaFact, t2.id).reaction_state == "breached"


def test_alert_fires_once_a_day_in_app_and_by_email_hook(tickets):
    sent = []
    alerts.set_email_sender(lambda user, title, body: sent.append((user.username, title)))
    try:
        alerts.save_alert_rule(name="Reaction breaches", metric="reaction_breach_rate", comparison=">",
                               threshold=10, window_days=7, recipient_id=tickets["boris"].id)  # fmt: skip
        assert alerts.evaluate_alerts(now=NOW) == 1
        assert alerts.evaluate_alerts(now=msk(16, 13)) == 0
    finally:
        alerts.set_email_sender(None)
    [note] = alerts.notifications_for(tickets["boris"].id)
    assert note.title == "Reaction breaches: 25.0 > 10"
    assert sent == [("boris", note.title)]
    assert alerts.mark_notifications_read(tickets["boris"].id) == 1
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Notification).where(Notification.read_at.is_(None))
        )
        == 0
    )


def test_notify_email_is_a_no_op_without_a_sender(tickets):
    alerts.set_email_sender(None)  # the application installs the mail outbox's sender
    assert alerts.notify_email(tickets["boris"], "t", "b") is False


def test_alert_e_mail_goes_through_the_mail_outbox_of_the_shared_account(tickets):
    from crm.mail.accounts import create_account
    from crm.mail.models import MailMessage, MailOutbox
    from crm.monitoring.alerts import evaluate_alerts, save_alert_rule

    boris = tickets["boris"]
    boris.email = "boris@example.test"
    db.session.commit()
    create_account(
        _administrator(),
        {"name": "Alerts", "email_address": "crm@example.test", "kind": "shared", "imap_host": "127.0.0.1",
         "imap_port": 143, "imap_security": "none", "smtp_host": "127.0.0.1", "smtp_port": 25,
         "smtp_security": "none"},
    )  # fmt: skip
    save_alert_rule(name="Reaction breaches", metric="reaction_breach_rate", comparison=">", threshold=10,
                    window_days=7, recipient_id=boris.id)  # fmt: skip
    assert evaluate_alerts(now=NOW) == 1
    [letter] = db.session.scalars(db.select(MailMessage)).all()
    assert letter.subject == "Reaction breaches: 25.0 > 10"
    assert [a["address"] for a in letter.to_addresses] == ["boris@example.test"]
    assert letter.direction == "out" and letter.account_id is not None
    assert db.session.scalar(db.select(MailOutbox.id).where(MailOutbox.message_id == letter.id)) is not None


def _administrator():
    from crm.accounts.services import create_user, ensure_builtin_roles

    ensure_builtin_roles()
    return create_user("mail-admin", "Mail Admin", "secret-password-1", roles=["administrator"])
