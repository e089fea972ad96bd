"""The appeal registration wizard's one service call (SPEC §1.6).

An appeal arrives by phone, e-mail, web form or messenger. After the caller is found (or not), the appeal is
either attached to an open interest as an incoming interaction, or becomes a new interest (for an unknown
caller a potential client first) or a ticket of a chosen appeal type. The documents and the start of the
route map (``sale`` for an interest, the appeal type's own for a ticket, through ``crm.processes``) are one
transaction: when the route map cannot start, nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm.accounts.models import User
from crm.activities.services import add_interaction_in_session
from crm.clients.contacts import get_contact
from crm.clients.leads import create_lead_in_session, get_lead
from crm.clients.services import get_client
from crm.deals.services import create_interest_in_session, get_interest
from crm.errors import ValidationFailed
from crm.messages import N_
from crm.support.models import CHANNELS
from crm.support.services import create_ticket_in_session
from engine.calendar_service import get_default_calendar
from engine.db import db

# How each channel is recorded as an interaction.
CHANNEL_INTERACTION_KIND = {"phone": "call", "email": "letter", "web": "message", "messenger": "message"}
ACTIONS = ("attach", "interest", "ticket")
CALLER_KINDS = ("client", "contact", "lead", "new")


@dataclass(frozen=True)
class AppealRequest:
    """What the wizard collected. ``caller`` says who: a found ``client``/``contact``/``lead`` (with
    ``caller_id``) or ``new`` (an unknown caller: ``new_name`` and at least a phone or an e-mail)."""

    channel: str
    action: str  # attach | interest | ticket
    caller: str
    caller_id: int | None = None
    subject: str = ""
    description: str = ""
    interest_id: int | None = None  # attach: the open interest
    appeal_type_id: int | None = None  # ticket: its type
    new_name: str = ""
    new_company: str = ""
    new_phone: str = ""
    new_email: str = ""


@dataclass(frozen=True)
class AppealRegistered:
    """What was created: the interaction (attach), or the interest/ticket with its process instance."""

    action: str
    client_id: int | None
    lead_id: int | None
    interest_id: int | None = None
    ticket_id: int | None = None
    interaction_id: int | None = None
    process_instance_id: int | None = None


def register_appeal(actor: User, request: AppealRequest) -> AppealRegistered:
    """Register one appeal as ``request`` says and start the interest's or ticket's route map; commits all
    of it or nothing.

    Raises ``ValidationFailed`` (field errors for the wizard form), ``AccessDenied``, ``NotFound``, or what
    the start raises (``NoStartableDefinition``, ``StepFailed``).
    """
    _validate(request)
    # The first start of an installation creates (and commits) the default work calendar: before anything
    # of ours is pending, so that commit cannot carry half the registration along.
    get_default_calendar()
    try:
        return _register(actor, request)
    except BaseException:
        db.session.rollback()
        raise


def _register(actor: User, request: AppealRequest) -> AppealRegistered:
    owner = _owner_links(actor, request)
    kind = CHANNEL_INTERACTION_KIND[request.channel]
    subject = request.subject.strip()
    if request.action == "attach":
        interest = get_interest(actor, request.interest_id or 0)
        if (
            not interest.is_open
            or (owner.get("client_id") and interest.client_id != owner["client_id"])
            or (owner.get("lead_id") and interest.lead_id != owner["lead_id"])
        ):
            raise ValidationFailed({"interest_id": N_("choose an open interest of this caller")})
        interaction = add_interaction_in_session(
            actor,
            {"kind": kind, "direction": "incoming", "subject": subject, "description": request.description,
             "interest_id": interest.id, "contact_id": owner.get("contact_id")},
        )  # fmt: skip
        db.session.commit()
        return AppealRegistered(
            "attach", interest.client_id, interest.lead_id, interest_id=interest.id,
            interaction_id=interaction.id,
        )  # fmt: skip
    if request.caller == "new":
        lead = create_lead_in_session(
            actor,
            {"name": request.new_name, "company_name": request.new_company, "phone": request.new_phone,
             "email": request.new_email, "source": request.channel, "comment": request.description},
        )  # fmt: skip
        owner = {"lead_id": lead.id}
    if request.action == "interest":
        interest = create_interest_in_session(
            actor, {**owner, "title": subject, "description": request.description, "source": request.channel}
        )
        interaction = add_interaction_in_session(
            actor,
            {"kind": kind, "direction": "incoming", "subject": subject, "description": request.description,
             "interest_id": interest.id, "contact_id": owner.get("contact_id")},
        )  # fmt: skip
        db.session.flush()  # the route map's first step commits the documents with it, or nothing is stored
        from crm.processes import start_interest_process

        instance_id = _instance_id(start_interest_process(actor, interest.id))
        return AppealRegistered(
            "interest", interest.client_id, interest.lead_id, interest_id=interest.id,
            interaction_id=interaction.id, process_instance_id=instance_id,
        )  # fmt: skip
    ticket = create_ticket_in_session(
        actor,
        {**owner, "subject": subject, "description": request.description, "channel": request.channel,
         "appeal_type_id": request.appeal_type_id},
    )  # fmt: skip
    db.session.flush()
    from crm.processes import start_ticket_process

    instance_id = _instance_id(start_ticket_process(actor, ticket.id))
    return AppealRegistered(
        "ticket", ticket.client_id, ticket.lead_id, ticket_id=ticket.id, process_instance_id=instance_id
    )


def _validate(request: AppealRequest) -> None:
    errors: dict[str, str] = {}
    if request.channel not in CHANNELS:
        errors["channel"] = N_("phone, e-mail, web form or messenger")
    if request.action not in ACTIONS:
        errors["action"] = N_("attach to an interest, new interest or ticket")
    if request.caller not in CALLER_KINDS or (request.caller != "new" and not request.caller_id):
        errors["caller"] = N_("find the caller or register a new one")
    if request.action != "attach" and not request.subject.strip():
        errors["subject"] = N_("say what the appeal is about")
    if request.action == "attach":
        if request.caller == "new":
            errors["action"] = N_("a new caller has no interest to attach to")
        elif not request.interest_id:
            errors["interest_id"] = N_("choose the interest to attach the appeal to")
    if request.action == "ticket" and not request.appeal_type_id:
        errors["appeal_type_id"] = N_("choose the appeal type")
    if request.caller == "new":
        if not request.new_name.strip():
            errors["new_name"] = N_("give the caller's name")
        if not request.new_phone.strip() and not request.new_email.strip():
            errors["new_phone"] = N_("give a phone or an e-mail to call back")
    if errors:
        raise ValidationFailed(errors)


def _owner_links(actor: User, request: AppealRequest) -> dict[str, Any]:
    """The found caller as interest/ticket links, access-checked."""
    if request.caller == "client":
        return {"client_id": get_client(actor, request.caller_id or 0).id}
    if request.caller == "contact":
        contact = get_contact(actor, request.caller_id or 0)
        return {"client_id": contact.client_id, "contact_id": contact.id}
    if request.caller == "lead":
        return {"lead_id": get_lead(actor, request.caller_id or 0).id}
    return {}


def _instance_id(started: Any) -> int | None:
    """``crm.processes`` may hand back an instance row or its id."""
    if started is None or isinstance(started, int):
        return started
    return getattr(started, "id", None)
