"""Linking a letter to CRM documents, choosing its Responsible, and its row in the Feed.

A letter is linked, most explicit first:

1. by the appeal number in its subject (``[#I-123]`` interest, ``[#T-45]`` appeal; also inside "Re:"/"Fwd:");
   else by its thread: a reply to a letter (ours or theirs) that is linked to an interest or appeal;
2. by address: the sender, then Reply-To, then the other recipients (not the CRM's own mail accounts) against
   the normalised e-mails of contact persons and clients (``contact_details``), then of potential clients;
3. what is still missing is filled from the interest or appeal (its client, contact, potential client).

Responsible (SPEC #34): a recipient whose display name is a member's personal sender name for the account;
else the responsible of the linked appeal, interest, client or potential client; else, for a lead letter, the
scenario's group (``sales``/``support``) until someone takes the letter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from crm.accounts.models import Group
from crm.clients.models import EMAIL, Client, ContactDetail, ContactPerson, Lead
from crm.clients.normalize import normalize_email
from crm.deals.models import Interest
from crm.feed.models import MAIL, FeedEntry
from crm.feed.posting import post_feed_entry
from crm.mail.autotext import find_appeal_number
from crm.mail.models import DIRECTION_IN, MailAccount, MailAccountMember, MailMessage
from crm.support.models import Ticket
from engine.db import db

OWNER_FIELDS = ("client_id", "contact_id", "lead_id", "interest_id", "ticket_id")
FEED_SOURCE = "mail"
NO_SUBJECT = "(no subject)"


@dataclass
class AddressOwner:
    """Whom an e-mail address belongs to."""

    client_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None


@dataclass
class AddressBook:
    """Address lookups of one synchronisation, remembered (a busy sender writes many letters)."""

    cache: dict[str, AddressOwner | None] = field(default_factory=dict)
    own_addresses: set[str] | None = None

    def owner_of(self, address: str) -> AddressOwner | None:
        key = normalize_email(address)
        if not key:
            return None
        if key not in self.cache:
            self.cache[key] = find_address_owner(key)
        return self.cache[key]

    def is_own(self, address: str) -> bool:
        """An address of one of the CRM's mail accounts (never a client's)."""
        if self.own_addresses is None:
            self.own_addresses = {
                normalize_email(a) for a in db.session.scalars(select(MailAccount.email_address))
            }
        return normalize_email(address) in self.own_addresses


def find_address_owner(address: str) -> AddressOwner | None:
    """The contact person / client with this e-mail (a contact person's own e-mail first, active clients
    first), else the potential client with it (open ones first; a converted one leads to its client)."""
    row = db.session.execute(
        select(ContactDetail.client_id, ContactDetail.contact_id)
        .join(Client, Client.id == ContactDetail.client_id)
        .where(
            ContactDetail.kind == EMAIL,
            ContactDetail.normalized == address,
            Client.merged_into_id.is_(None),
        )
        .order_by(Client.is_active.desc(), ContactDetail.contact_id.is_(None), ContactDetail.id)
        .limit(1)
    ).first()
    if row is not None:
        return AddressOwner(client_id=row.client_id, contact_id=row.contact_id)
    lead = db.session.execute(
        select(Lead.id, Lead.converted_client_id, Lead.converted_contact_id)
        .where(Lead.email_normalized == address)
        .order_by((Lead.status == "open").desc(), Lead.id.desc())
        .limit(1)
    ).first()
    if lead is not None:
        return AddressOwner(
            client_id=lead.converted_client_id, contact_id=lead.converted_contact_id, lead_id=lead.id
        )
    return None


def participant_addresses(letter: MailMessage) -> list[str]:
    """Addresses that may identify the letter's client, most telling first: for an incoming letter the
    sender, Reply-To, then the recipients; for an outgoing one the recipients."""
    people: list[dict[str, str]] = []
    if letter.direction == DIRECTION_IN:
        people.append({"address": letter.from_address})
        people += list(letter.reply_to or [])
        people += list(letter.to_addresses or []) + list(letter.cc_addresses or [])
    else:
        people += list(letter.to_addresses or []) + list(letter.cc_addresses or [])
        people += list(letter.bcc_addresses or [])
    seen: list[str] = []
    for person in people:
        address = normalize_email(person.get("address") or "")
        if address and address not in seen:
            seen.append(address)
    return seen


def link_letter_documents(letter: MailMessage, book: AddressBook | None = None) -> None:
    """Fill the letter's links (appeal number, thread, addresses, then the documents' owners)."""
    book = book or AddressBook()
    if not _link_by_appeal_number(letter):
        _link_by_thread(letter)
    if not any((letter.client_id, letter.contact_id, letter.lead_id)):
        for address in participant_addresses(letter):
            if book.is_own(address):
                continue
            owner = book.owner_of(address)
            if owner is not None:
                letter.client_id, letter.contact_id, letter.lead_id = (
                    owner.client_id,
                    owner.contact_id,
                    owner.lead_id,
                )
                break
    fill_from_documents(letter)


def _link_by_appeal_number(letter: MailMessage) -> bool:
    found = find_appeal_number(letter.subject or "")
    if found is None:
        return False
    kind, ident = found
    model = Interest if kind == "interest" else Ticket
    if ident > 2**31 - 1 or db.session.get(model, ident) is None:
        return False
    setattr(letter, f"{kind}_id", ident)
    return True


def _link_by_thread(letter: MailMessage) -> bool:
    ids = [i for i in [letter.in_reply_to, *(letter.references or "").split()] if i]
    conditions = []
    if ids:
        conditions.append(MailMessage.message_id.in_(ids[:50]))
    if letter.thread_key:
        conditions.append(MailMessage.thread_key == letter.thread_key)
    if not conditions:
        return False
    query = select(
        MailMessage.interest_id,
        MailMessage.ticket_id,
        MailMessage.client_id,
        MailMessage.contact_id,
        MailMessage.lead_id,
    ).where(
        or_(*conditions),
        or_(MailMessage.interest_id.is_not(None), MailMessage.ticket_id.is_not(None)),
    )
    if letter.id is not None:
        query = query.where(MailMessage.id != letter.id)
    parent = db.session.execute(query.order_by(MailMessage.id.desc()).limit(1)).first()
    if parent is None:
        return False
    letter.interest_id, letter.ticket_id = parent.interest_id, parent.ticket_id
    if not any((letter.client_id, letter.contact_id, letter.lead_id)):
        letter.client_id, letter.contact_id, letter.lead_id = (
            parent.client_id,
            parent.contact_id,
            parent.lead_id,
        )
    return True


def fill_from_documents(letter: MailMessage) -> None:
    """Take what the letter lacks from its appeal and interest: client, contact person, potential client."""
    ticket = db.session.get(Ticket, letter.ticket_id) if letter.ticket_id else None
    if ticket is not None:
        letter.interest_id = letter.interest_id or ticket.interest_id
        _fill_owner(letter, ticket.client_id, ticket.contact_id, ticket.lead_id)
    interest = db.session.get(Interest, letter.interest_id) if letter.interest_id else None
    if interest is not None:
        _fill_owner(letter, interest.client_id, interest.contact_id, interest.lead_id)
    if letter.contact_id and not letter.client_id:
        contact = db.session.get(ContactPerson, letter.contact_id)
        letter.client_id = contact.client_id if contact else None


def _fill_owner(letter: MailMessage, client_id: Any, contact_id: Any, lead_id: Any) -> None:
    if not letter.client_id and not letter.lead_id:
        letter.client_id, letter.contact_id, letter.lead_id = client_id, contact_id, lead_id
    elif not letter.lead_id and lead_id and letter.client_id == client_id:
        letter.lead_id = lead_id


# --- Responsible (SPEC #34) ---------------------------------------------------------------------------------


def sender_names(account_id: int) -> dict[str, int]:
    """The account members' personal sender names (case-folded, single-spaced) -> user id."""
    names: dict[str, int] = {}
    rows = db.session.execute(
        select(MailAccountMember.sender_name, MailAccountMember.user_id)
        .where(MailAccountMember.account_id == account_id)
        .order_by(MailAccountMember.id)
    )
    for name, user_id in rows:
        key = _name_key(name)
        if key:
            names.setdefault(key, user_id)
    return names


def _name_key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def responsible_by_recipient_name(letter: MailMessage, names: dict[str, int]) -> int | None:
    """The member whose personal sender name is a recipient's display name (To, then Cc)."""
    for person in list(letter.to_addresses or []) + list(letter.cc_addresses or []):
        user_id = names.get(_name_key(person.get("name")))
        if user_id is not None:
            return user_id
    return None


def responsible_of_documents(letter: MailMessage) -> int | None:
    """The responsible of the linked appeal, interest, client (through the contact too) or potential client."""
    for model, ident in ((Ticket, letter.ticket_id), (Interest, letter.interest_id), (Client, letter.client_id),
                         (Lead, letter.lead_id)):  # fmt: skip
        row = db.session.get(model, ident) if ident else None
        if row is not None and row.responsible_id:
            return int(row.responsible_id)
    return None


def scenario_group_id(scenario: str | None) -> int | None:
    """The group whose people work the scenario's leads (``sales`` / ``support``), if it exists."""
    if not scenario:
        return None
    return db.session.scalar(select(Group.id).where(Group.code == scenario, Group.is_active.is_(True)))


def choose_responsible(letter: MailMessage, names: dict[str, int] | None = None) -> None:
    """Set the letter's Responsible (a user, or the lead scenario's group) as SPEC #34 says."""
    user_id = responsible_by_recipient_name(
        letter, names if names is not None else sender_names(letter.account_id)
    )
    user_id = user_id or responsible_of_documents(letter)
    letter.responsible_id = user_id
    letter.responsible_group_id = None if user_id else scenario_group_id(letter.lead_scenario)


# --- the Feed -----------------------------------------------------------------------------------------------


def has_owner(letter: MailMessage) -> bool:
    return any(getattr(letter, name) for name in OWNER_FIELDS)


def post_letter_to_feed(letter: MailMessage) -> FeedEntry | None:
    """Add the letter's Feed row (kind ``mail``) for every document it is linked to; the caller commits.
    ``ref_id`` is the letter's id, so the Feed can open it in the mail page."""
    if not has_owner(letter):
        return None
    return post_feed_entry(
        kind=MAIL,
        ref_id=letter.id,
        title=letter.subject or NO_SUBJECT,
        summary=letter.snippet,
        occurred_at=letter.occurred_at,
        author_id=letter.created_by_id,
        client_id=letter.client_id,
        contact_id=letter.contact_id,
        lead_id=letter.lead_id,
        interest_id=letter.interest_id,
        ticket_id=letter.ticket_id,
        details={
            "source": FEED_SOURCE,
            "mail_message_id": letter.id,
            "direction": "incoming" if letter.direction == DIRECTION_IN else "outgoing",
            "from": letter.from_address,
            "from_name": letter.from_name,
            "has_attachments": letter.has_attachments,
        },
    )


def letter_feed_entries(letter_ids: Iterable[int]) -> list[FeedEntry]:
    """The Feed rows of mail letters."""
    ids = list(letter_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(select(FeedEntry).where(FeedEntry.kind == MAIL, FeedEntry.ref_id.in_(ids)))
    )


def repost_letter_to_feed(letter: MailMessage) -> FeedEntry | None:
    """Replace the letter's Feed row after its links changed; the caller commits."""
    for entry in letter_feed_entries([letter.id]):
        db.session.delete(entry)
    return post_letter_to_feed(letter)
