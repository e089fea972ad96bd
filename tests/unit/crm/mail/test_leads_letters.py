"""Lead letters (SPEC #35) on the in-memory IMAP fake: a letter in a lead folder opens an interest (sales) or
an appeal (support) through the appeal wizard, so the usual route map starts; what does not."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_incoming_world import PROCESSES, letter, world_fixture  # noqa: F401  (the world fixture)

from crm.clients.models import Lead
from crm.deals.models import Interest
from crm.feed.models import FeedEntry
from crm.mail.accounts import set_lead_folders
from crm.mail.models import MailMessage
from crm.support.models import AppealType, Ticket
from crm.triggers import configure_trigger
from engine.db import db
from engine.definitions import deploy_path
from engine.instance_model import ProcessInstance
from engine.wait_models import UnmatchedMessage


@pytest.fixture
def leads(world):
    deploy_path([PROCESSES])
    world.sync()  # discovers the folders
    leads_folder, inbox = world.folder("Leads"), world.folder("INBOX")
    support_folder = world.mailbox.add_folder("Support requests")
    world.sync()
    support = world.folder(support_folder.name)
    set_lead_folders(world.admin, world.account.id, "selected", [leads_folder.id, support.id],
                     {"sales": [leads_folder.id], "support": [support.id]})  # fmt: skip
    db.session.add(AppealType(name="Service request", route_map_key="support_appeal"))
    db.session.commit()
    world.leads_folder, world.support_folder, world.inbox = leads_folder, support, inbox
    return world


def instances(key: str) -> list[ProcessInstance]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == key)))


def test_an_unknown_sender_in_a_sales_lead_folder_becomes_a_lead_with_an_interest_and_a_sale(leads):
    leads.mailbox.deliver(
        letter(sender="Olga Smirnova <olga@new.example>", subject="Need 40 chairs"), "Leads"
    )
    leads.sync()
    [mail] = leads.letters()
    lead = db.session.scalars(select(Lead)).one()
    assert (lead.name, lead.email, lead.source, lead.responsible_id) == ("Olga Smirnova", "olga@new.example",
                                                                        "email", None)  # fmt: skip
    interest = db.session.scalars(select(Interest)).one()
    assert (interest.lead_id, interest.title) == (lead.id, "Need 40 chairs")
    [sale] = instances("sale")
    assert sale.business_key == f"interest:{interest.id}" and interest.process_instance_id == sale.id
    assert (mail.lead_id, mail.interest_id, mail.lead_scenario) == (lead.id, interest.id, "sales")
    # Nobody's yet: the sales group's letter until someone takes it.
    assert mail.responsible_id is None and mail.responsible_group_id is not None
    [entry] = [e for e in db.session.scalars(select(FeedEntry).where(FeedEntry.kind == "mail"))
               if e.details.get("source") == "mail"]  # fmt: skip
    assert (entry.lead_id, entry.interest_id, entry.ref_id) == (lead.id, interest.id, mail.id)
    # The route maps heard of it: the "when to expect an answer" and "letter on an interest" triggers ran.
    assert [i.status for i in instances("trigger_answer_eta")] == ["completed"]
    [on_interest] = instances("trigger_mail_on_interest")
    assert on_interest.business_key == f"interest:{interest.id}"


def test_a_support_lead_folder_opens_an_appeal_of_the_default_type_and_its_route_map(leads):
    leads.mailbox.deliver(letter(sender="petr@new.example", subject="Printer broken"), "Support requests")
    leads.sync()
    [mail] = leads.letters()
    ticket = db.session.scalars(select(Ticket)).one()
    assert (ticket.subject, ticket.channel, ticket.lead_id) == ("Printer broken", "email", mail.lead_id)
    assert ticket.appeal_type.name == "Service request" and ticket.process_instance_id is not None
    assert [i.business_key for i in instances("support_appeal")] == [f"ticket:{ticket.id}"]
    assert (mail.ticket_id, mail.lead_scenario) == (ticket.id, "support")
    assert db.session.scalars(select(Interest)).all() == []


def test_a_known_contact_in_a_lead_folder_keeps_his_card_and_still_opens_an_interest(leads):
    leads.mailbox.deliver(letter(sender="Ivan <ivan@client.example>", subject="Another order"), "Leads")
    leads.sync()
    [mail] = leads.letters()
    assert db.session.scalars(select(Lead)).all() == []
    interest = db.session.scalars(select(Interest)).one()
    # The client's manager registered it: she is responsible for the interest and the letter.
    assert (interest.client_id, interest.responsible_id) == (leads.client.id, leads.mary.id)
    assert (mail.client_id, mail.contact_id, mail.interest_id) == (
        leads.client.id,
        leads.contact.id,
        interest.id,
    )
    assert mail.responsible_id == leads.mary.id and mail.responsible_group_id is None
    assert len(instances("sale")) == 1


def test_the_addressed_sender_name_makes_that_manager_the_lead_owner(leads):
    leads.mailbox.deliver(
        letter(sender="new@new.example", to='"  mary   SELLER " <sales@co.example>'), "Leads"
    )
    leads.sync()
    [mail] = leads.letters()
    lead = db.session.scalars(select(Lead)).one()
    interest = db.session.scalars(select(Interest)).one()
    assert mail.responsible_id == lead.responsible_id == interest.responsible_id == leads.mary.id


def test_letters_outside_lead_folders_robots_and_replies_in_a_known_thread_open_nothing(leads):
    leads.mailbox.deliver(letter(sender="someone@new.example", subject="plain inbox letter"), "INBOX")
    leads.mailbox.deliver(letter(sender="mailer-daemon@new.example", subject="Undelivered",
                                 extra_headers="Auto-Submitted: auto-replied"), "Leads")  # fmt: skip
    leads.sync()
    assert db.session.scalars(select(Interest)).all() == [] and db.session.scalars(select(Lead)).all() == []
    inbox_letter, robot = leads.letters()
    assert inbox_letter.lead_scenario is None and robot.lead_scenario is None
    # A lead's reply in the thread of its first letter goes to the same interest, not a new one.
    leads.mailbox.deliver(letter(sender="olga@new.example", subject="Chairs", message_id="<first@new.example>"),
                          "Leads")  # fmt: skip
    leads.sync()
    leads.mailbox.deliver(letter(sender="olga@new.example", subject="Re: Chairs",
                                 extra_headers="In-Reply-To: <first@new.example>"), "Leads")  # fmt: skip
    leads.sync()
    first, reply = leads.letters()[2:]
    assert reply.interest_id == first.interest_id and len(db.session.scalars(select(Interest)).all()) == 1
    assert reply.lead_scenario == "sales" and reply.lead_id == first.lead_id


def test_a_website_request_letter_is_the_website_trigger_s_and_links_to_the_lead_it_registers(leads):
    configure_trigger(None, "website_request", enabled=True, params={"website_sender": "robot@site.example"})
    raw = letter(sender="Site <robot@site.example>", subject="Request from the website",
                 extra_headers="Reply-To: Anna Lee <anna@buyer.example>", body="Name: Anna\nWants: 20 desks")  # fmt: skip
    leads.mailbox.deliver(raw, "Leads")
    leads.sync()
    [mail] = leads.letters()
    lead = db.session.scalars(select(Lead)).one()  # one potential client: the trigger's, not the folder's
    assert (lead.name, lead.email, lead.source) == ("Anna Lee", "anna@buyer.example", "website")
    interest = db.session.scalars(select(Interest)).one()
    assert (interest.lead_id, interest.title, interest.source) == (
        lead.id,
        "Request from the website",
        "website",
    )
    assert mail.lead_scenario is None and mail.lead_id == lead.id


def test_without_route_maps_a_lead_letter_is_kept_and_its_message_waits_as_unmatched(world):
    # Nothing deployed: the interest cannot start its route map, so the wizard stores nothing; the letter stays.
    world.sync()
    set_lead_folders(world.admin, world.account.id, "all", [], {})
    world.mailbox.deliver(letter(sender="x@new.example"))
    world.sync()
    [mail] = world.letters()
    assert mail.lead_scenario == "sales" and mail.interest_id is None and mail.lead_id is None
    assert db.session.scalars(select(Interest)).all() == []
    names = db.session.scalars(select(UnmatchedMessage.name)).all()
    assert names == ["mail.received"]
    assert db.session.get(MailMessage, mail.id).raw_id is not None
