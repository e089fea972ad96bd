"""A letter in a lead-source folder starts the lead route map (SPEC #35).

The appeal wizard's own service (``crm.appeal_registration.register_appeal``) does the work, so a lead letter
becomes exactly what a registered e-mail appeal becomes: for the ``sales`` scenario an interest (with a
potential client first when the sender is unknown) and the ``sale`` route map; for ``support`` an appeal of
the default appeal type and its route map. A known sender (contact person, client, potential client found by
address) keeps his card and still gets the new interest or appeal. The letter is then linked to what was
created, gets its Responsible, and its Feed row moves to the new documents.

The wizard acts as a user: the letter's Responsible (his personal sender name was addressed, SPEC #34) or the
client's responsible manager; an unknown sender's letter is registered by the system (no user), so the
potential client is nobody's until the sales or support group takes it.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from crm.access import can_view_client, can_view_lead
from crm.accounts.models import ADMINISTRATOR, EMPLOYEE, MANAGER, Role, User
from crm.appeal_registration import AppealRegistered, AppealRequest, register_appeal
from crm.clients.models import Client, ContactPerson, Lead
from crm.clients.normalize import is_valid_email
from crm.mail.linking import repost_letter_to_feed, responsible_of_documents
from crm.mail.models import DIRECTION_IN, SCENARIO_SALES, SCENARIO_SUPPORT, MailMessage
from crm.support.models import AppealType
from engine.db import db

log = logging.getLogger(__name__)

TITLE_MAX = 300
DESCRIPTION_MAX = 4000


def needs_registration(letter: MailMessage) -> bool:
    """A lead letter that has opened nothing yet (a reply in a known interest's thread opens nothing)."""
    return bool(
        letter.direction == DIRECTION_IN
        and letter.lead_scenario in (SCENARIO_SALES, SCENARIO_SUPPORT)
        and not letter.interest_id
        and not letter.ticket_id
        and not letter.marked_for_deletion
    )


def default_appeal_type_id() -> int | None:
    """The appeal type of appeals opened from support lead letters: the first active one."""
    return db.session.scalar(
        select(AppealType.id).where(AppealType.is_active.is_(True)).order_by(AppealType.id).limit(1)
    )


def register_lead_letter(letter_id: int) -> AppealRegistered | None:
    """Open the interest or appeal of a lead letter through the appeal wizard and link the letter to it;
    commits. Returns what was registered, or None when the letter needs nothing (or cannot be registered:
    the reason is logged and the letter stays in its workplace for a person to handle)."""
    letter = db.session.get(MailMessage, letter_id)
    if letter is None or not needs_registration(letter):
        return None
    request = _appeal_request(letter)
    if request is None:
        return None
    actor = _acting_user(letter, request)
    if actor is None and request.caller != "new":
        log.warning("lead letter %s: nobody may register an appeal for %s %s", letter_id, request.caller,
                    request.caller_id)  # fmt: skip
        return None
    db.session.commit()  # nothing of ours pending: register_appeal rolls the session back when it fails
    registered = register_appeal(actor, request)  # type: ignore[arg-type]  # None: the system registers
    letter = db.session.get(MailMessage, letter_id)
    if letter is None:
        return registered
    letter.lead_id = registered.lead_id or letter.lead_id
    letter.client_id = registered.client_id or letter.client_id
    letter.interest_id = registered.interest_id or letter.interest_id
    letter.ticket_id = registered.ticket_id or letter.ticket_id
    if letter.responsible_id is None:
        user_id = responsible_of_documents(letter)
        if user_id is not None:
            letter.responsible_id, letter.responsible_group_id = user_id, None
    repost_letter_to_feed(letter)
    db.session.commit()
    return registered


def _appeal_request(letter: MailMessage) -> AppealRequest | None:
    action = "interest" if letter.lead_scenario == SCENARIO_SALES else "ticket"
    appeal_type_id = default_appeal_type_id() if action == "ticket" else None
    if action == "ticket" and appeal_type_id is None:
        log.warning("lead letter %s: no active appeal type to open a support appeal with", letter.id)
        return None
    caller, caller_id = "new", None
    if letter.contact_id:
        caller, caller_id = "contact", letter.contact_id
    elif letter.client_id:
        caller, caller_id = "client", letter.client_id
    elif letter.lead_id:
        caller, caller_id = "lead", letter.lead_id
    address = _reply_address(letter)
    if caller == "new" and not address:
        log.warning("lead letter %s: the sender gave no usable address", letter.id)
        return None
    subject = (
        " ".join((letter.subject or "").split())[:TITLE_MAX]
        or f"Letter from {address or letter.from_address}"
    )
    return AppealRequest(
        channel="email",
        action=action,
        caller=caller,
        caller_id=caller_id,
        subject=subject,
        description=(letter.text_body or letter.snippet or "").strip()[:DESCRIPTION_MAX],
        appeal_type_id=appeal_type_id,
        new_name=(letter.from_name or address.split("@")[0])[:TITLE_MAX] if caller == "new" else "",
        new_email=address if caller == "new" else "",
    )


def _reply_address(letter: MailMessage) -> str:
    """The sender's address to answer at: From, else the first Reply-To; '' when neither is an address."""
    candidates = [letter.from_address] + [p.get("address") or "" for p in letter.reply_to or []]
    return next((a.strip().lower() for a in candidates if a and is_valid_email(a)), "")


def _acting_user(letter: MailMessage, request: AppealRequest) -> User | None:
    """Who registers the appeal: the letter's Responsible or the caller's responsible manager, when he works
    with clients and may see the caller; else nobody (an unknown sender) or the first administrator."""
    owner = _caller_record(request)
    candidates = [letter.responsible_id, getattr(owner, "responsible_id", None)]
    for user_id in candidates:
        user = db.session.get(User, user_id) if user_id else None
        if user is None or not user.is_active or not user.has_role(MANAGER, EMPLOYEE):
            continue
        if owner is None or _may_see(user, owner):
            return user
    if request.caller == "new":
        return None
    return db.session.scalars(
        select(User)
        .where(User.is_active.is_(True), User.roles.any(Role.code == ADMINISTRATOR))
        .order_by(User.id)
        .limit(1)
    ).first()


def _caller_record(request: AppealRequest) -> Client | Lead | None:
    if request.caller == "contact":
        contact = db.session.get(ContactPerson, request.caller_id)
        return contact.client if contact else None
    if request.caller == "client":
        return db.session.get(Client, request.caller_id)
    if request.caller == "lead":
        return db.session.get(Lead, request.caller_id)
    return None


def _may_see(user: User, owner: Client | Lead) -> bool:
    return can_view_lead(user, owner) if isinstance(owner, Lead) else can_view_client(user, owner)
