"""Interest and ticket cards: stage/status, amount or SLA countdowns, the Feed, the live process diagram with
completed steps, the current step and taken flows highlighted, and the step history (who/when/variant)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user

from crm.deals.services import get_interest, list_stages
from crm.errors import CrmError
from crm.support.services import get_ticket
from crm.workplaces.history import InstanceView, instance_view
from crm.workplaces.labels import subjects_for, user_names
from crm.workplaces.support import ticket_sla
from crm.workplaces.task_access import next_task_for
from engine.db import utcnow
from engine.instances import instances_for_business_key
from webui.authz import role_required
from webui.views.feed import load_feed
from webui.views.main import bp
from webui.views.workplace_common import abort_for


def _process(instance_id: int | None, business_key: str) -> InstanceView | None:
    if instance_id is None:
        found = instances_for_business_key(business_key)
        instance_id = found[0].id if found else None
    return instance_view(instance_id) if instance_id is not None else None


def _feed(owner: str, owner_id: int) -> Any:
    """The first page of the shared Feed partial (``feed/_feed.html``, paged on by its own endpoint)."""
    try:
        return load_feed(owner, owner_id)
    except CrmError as exc:
        abort_for(exc)


def _my_step(process: InstanceView | None) -> int | None:
    if process is None or not process.open_task_ids:
        return None
    task = next_task_for(current_user, process.instance_id)
    return task.id if task else None


def _render_card(template: str, owner: str, record: Any, **details: Any) -> str:
    """An interest or ticket card (``cards/_layout.html``): the record's subject and responsible, its live
    process with "Open my step", and the first Feed page; ``details`` are what only that card shows."""
    process = _process(record.process_instance_id, record.business_key)
    subject = subjects_for([record.business_key]).get(record.business_key)
    people = user_names([record.responsible_id])
    return render_template(
        template,
        **{owner: record},
        **details,
        subject=subject,
        responsible=people.get(record.responsible_id or 0, ""),
        feed_owner=owner,
        feed_owner_id=record.id,
        feed_page=_feed(owner, record.id),
        process=process,
        my_task_id=_my_step(process),
        active_section="main",
    )


@bp.route("/interests/<int:interest_id>", endpoint="interest_card")
@role_required("employee", "manager")
def interest_card(interest_id: int) -> str:
    try:
        interest = get_interest(current_user, interest_id)
    except CrmError as exc:
        abort_for(exc)
    stages = [s for s in list_stages() if s.kind == "open" or s.id == interest.stage_id]
    return _render_card("cards/interest.html", "interest", interest, stages=stages)


@bp.route("/tickets/<int:ticket_id>", endpoint="ticket_card")
@role_required("employee", "manager")
def ticket_card(ticket_id: int) -> str:
    try:
        ticket = get_ticket(current_user, ticket_id)
    except CrmError as exc:
        abort_for(exc)
    return _render_card("cards/ticket.html", "ticket", ticket, sla=ticket_sla(ticket), now=utcnow())
