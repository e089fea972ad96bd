"""Known CRM history for the monitoring tests (fixed clock, default calendar: Moscow 9–18, RU holidays).

Appeal type "Claim": reaction PT2H working, processing P1D working.
T1 (agent Anna, Support): Wed 11 June 17:00; waits for the client Mon 16 09:00–09:30; answered 10:15
   (1.75 working hours: met thanks to the pause, due 10:30); resolved 12:00 (3.5 h of 9 h: met).
T2 (Anna): Mon 16 09:00, no answer at NOW (12:00): reaction breached (due 11:00); processing on track.
T3 (Boris, Sales): Mon 16 09:00, answered 10:00 (met); waits for the client since 10:30: processing frozen.
T4 (Boris): Mon 16 10:00, no answer: reaction at risk at 12:00 (due 12:00, risk from 11:36).
"""

from __future__ import annotations

from typing import Any

from crm.accounts.services import create_user, ensure_builtin_roles, save_department
from crm.history import ChangeLogEntry
from crm.support.models import AppealType, Ticket
from engine.db import db
from tests.analytics_history import msk


def build_ticket_history() -> dict[str, Any]:
    ensure_builtin_roles()
    support = save_department("Support")
    sales = save_department("Sales")
    anna = create_user("anna", "Anna Agent", "password-123", roles=["employee"], department_id=support.id)
    boris = create_user("boris", "Boris Seller", "password-123", roles=["manager"], department_id=sales.id,
                        email="boris@example.test")  # fmt: skip
    claim = AppealType(name="Claim", reaction_sla="PT2H working", processing_sla="P1D working")
    db.session.add(claim)
    db.session.flush()

    def ticket(subject, user, created, *, first=None, resolved=None, status="in_progress", statuses=()):
        t = Ticket(subject=subject, appeal_type_id=claim.id, responsible_id=user.id, created_at=created,
                   updated_at=created, first_response_at=first, resolved_at=resolved, status=status)  # fmt: skip
        db.session.add(t)
        db.session.flush()
        for old, new, at in statuses:
            db.session.add(ChangeLogEntry(entity="ticket", entity_id=t.id, field="status", old_value=old,
                                          new_value=new, at=at))  # fmt: skip
        return t

    t1 = ticket("Broken delivery", anna, msk(11, 17), first=msk(16, 10, 15), resolved=msk(16, 12), status="resolved",
                statuses=[("new", "waiting_client", msk(16, 9)), ("waiting_client", "in_progress", msk(16, 9, 30)),
                          ("in_progress", "resolved", msk(16, 12))])  # fmt: skip
    t2 = ticket("Wrong invoice", anna, msk(16, 9))
    t3 = ticket("Missing part", boris, msk(16, 9), first=msk(16, 10), status="waiting_client",
                statuses=[("in_progress", "waiting_client", msk(16, 10, 30))])  # fmt: skip
    t4 = ticket("Late courier", boris, msk(16, 10))
    db.session.commit()
    return {"claim": claim, "support": support, "sales": sales, "anna": anna, "boris": boris,
            "tickets": (t1, t2, t3, t4)}  # fmt: skip
