"""Linking letters to their owners by address, and the Responsible of a letter (SPEC #34)."""

from __future__ import annotations

from sqlalchemy import select
from test_incoming_world import letter, world_fixture  # noqa: F401  (the world fixture)

from crm.clients.leads import convert_lead, create_lead
from crm.clients.services import create_client
from crm.deals.services import create_interest
from crm.mail.linking import AddressBook, find_address_owner
from crm.mail.models import MailAccountMember
from engine.db import db


def test_addresses_find_contact_persons_then_clients_then_potential_clients(world):
    assert (
        find_address_owner("ivan@client.example").contact_id == world.contact.id
    )  # stored as Ivan@Client...
    office = find_address_owner("office@client.example")
    assert (office.client_id, office.contact_id, office.lead_id) == (world.client.id, None, None)
    lead = create_lead(world.mary, {"name": "Olga", "email": "Olga@New.example"})
    assert find_address_owner("olga@new.example").lead_id == lead.id
    client, contact = convert_lead(world.mary, lead.id)
    converted = find_address_owner("olga@new.example")
    # The converted card's contact details win; the lead is kept as provenance when found through it.
    assert (converted.client_id, converted.contact_id) == (client.id, contact.id)
    assert find_address_owner("nobody@else.example") is None


def test_the_sender_comes_first_and_the_crm_s_own_addresses_never_identify_a_client(world):
    other = create_client(world.admin, {"name": "Other", "kind": "company", "emails": ["boss@other.example"],
                                        "responsible_id": world.oleg.id})  # fmt: skip
    world.mailbox.deliver(
        letter(sender="nobody@else.example", to="sales@co.example", cc="boss@other.example")
    )
    world.mailbox.deliver(letter(sender="office@client.example", cc="boss@other.example"))
    world.sync()
    via_cc, via_sender = world.letters()
    assert via_cc.client_id == other.id and via_cc.responsible_id == world.oleg.id
    assert via_sender.client_id == world.client.id
    book = AddressBook()
    assert book.is_own("SALES@co.example") and not book.is_own("office@client.example")


def test_responsible_from_the_addressed_sender_name_then_the_documents(world):
    db.session.add(
        MailAccountMember(account_id=world.account.id, user_id=world.sam.id, sender_name="Sam Support")
    )
    db.session.commit()
    interest = create_interest(world.admin, {"client_id": world.client.id, "title": "Desks",
                                             "responsible_id": world.oleg.id})  # fmt: skip
    world.mailbox.deliver(letter(to="Sales <sales@co.example>", cc="sam support <sales@co.example>"))
    world.mailbox.deliver(letter(subject=f"Re: [#I-{interest.id}]"))
    world.mailbox.deliver(letter(sender="nobody@else.example"))
    world.sync()
    by_name, by_interest, nobody = world.letters()
    assert by_name.responsible_id == world.sam.id  # Cc display name = Sam's sender name for this account
    assert by_interest.responsible_id == world.oleg.id  # the interest's manager before the client's
    assert (nobody.responsible_id, nobody.responsible_group_id) == (None, None)  # not a lead: no group either
    members = db.session.scalars(select(MailAccountMember.sender_name)).all()
    assert "Sam Support" in members
