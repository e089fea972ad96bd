"""`routemap init` + `routemap demo-data`: a newcomer finds running route maps, tasks and history."""

from pathlib import Path

from sqlalchemy import select

from crm.accounts.services import find_user
from engine.db import db
from engine.events import VARIANT_CHOSEN, ProcessEvent
from engine.task_queries import count_open_tasks_for
from webui import setup

PROCESSES = Path(__file__).resolve().parents[3] / "processes"


def test_demo_company_has_running_route_maps_and_a_chosen_variant(app):
    lines = list(setup.initialise(deploy_processes=True, processes_dir=PROCESSES))
    assert any("Deployed sale" in line for line in lines)
    lines = list(setup.load_demo())
    assert any("Route maps started" in line for line in lines)
    manager = find_user("manager")
    assert count_open_tasks_for(manager.id, manager.lane_keys) > 0
    agent = find_user("agent")
    assert count_open_tasks_for(agent.id, agent.lane_keys) > 0
    variants = db.session.scalars(select(ProcessEvent).where(ProcessEvent.kind == VARIANT_CHOSEN)).all()
    assert any(v.details.get("variant") == "Qualified" for v in variants)
    # idempotent: a second run starts nothing new
    again = list(setup.load_demo())
    assert not any("Route maps started" in line for line in again)


def test_demo_mailbox_letters_come_in_linked_and_a_lead_letter_opens_an_interest(app):
    from crm.deals.models import Interest
    from crm.feed.models import FeedEntry
    from crm.mail.models import MailAccount, MailMessage

    list(setup.initialise(deploy_processes=True, processes_dir=PROCESSES))
    lines = list(setup.load_demo())
    assert any("Demo mailbox loaded: 6 letters" in line for line in lines)
    letters = {m.subject: m for m in db.session.scalars(select(MailMessage))}
    furniture = db.session.scalar(select(Interest).where(Interest.title == "Поставка офисной мебели"))
    reply = next(m for s, m in letters.items() if s.startswith("Re: Поставка офисной мебели"))
    assert reply.interest_id == furniture.id  # by the appeal number in the subject
    assert reply.responsible_id == furniture.responsible_id
    assert letters["Shelving: delivery dates"].contact_id is not None  # by the sender's address
    lead_letter = letters["Нужны столы для нового офиса"]
    assert lead_letter.lead_scenario == "sales" and lead_letter.lead_id and lead_letter.interest_id
    assert db.session.get(Interest, lead_letter.interest_id).lead_id == lead_letter.lead_id
    assert db.session.scalar(
        select(FeedEntry.id).where(FeedEntry.interest_id == furniture.id, FeedEntry.ref_id == reply.id)
    )
    account = db.session.scalar(select(MailAccount))
    assert account.imap_host == "" and account.smtp_host == ""  # no server behind the demo
    again = list(setup.load_demo())
    assert not any("Demo mailbox" in line for line in again)
    assert db.session.query(MailMessage).count() == 6
