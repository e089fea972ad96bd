"""Appeal registration wizard through the real app: live search, attach to an open interest, new potential
client + interest (the sale route map starts), ticket of a chosen type (its route map starts), errors next
to the fields, access."""

from pathlib import Path

import pytest

from crm.accounts import services as accounts
from crm.activities.models import Interaction
from crm.clients.leads import create_lead
from crm.clients.models import Lead
from crm.deals.models import Interest
from crm.support.models import Ticket
from crm.support.services import save_appeal_type
from engine.db import db
from engine.deploy_files import deploy_path
from engine.instance_model import ProcessInstance
from engine.task_queries import tasks_for_instance
from tests.integration.webui.clients_fixtures import build_world, log_in

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def mary(client, world):
    log_in(client, "mary")
    return client


@pytest.fixture
def route_maps(app):
    deploy_path([PROCESSES])


def test_search_finds_clients_contacts_and_leads_it_may_see(mary, world):
    create_lead(world.manager, {"name": "Anna Unknown", "email": "anna@example.com"})
    by_phone = mary.get("/wizard/search?q=916 111-22-33").get_data(as_text=True)
    assert 'data-entity="contact"' in by_phone and "Ivan Petrov" in by_phone
    by_inn = mary.get("/wizard/search?q=7707083893").get_data(as_text=True)
    assert 'data-entity="client"' in by_inn and "Romashka LLC" in by_inn
    by_email = mary.get("/wizard/search?q=anna@example").get_data(as_text=True)
    assert 'data-entity="lead"' in by_email
    hidden = mary.get("/wizard/search?q=Vector").get_data(as_text=True)
    assert 'data-testid="wizard-no-hits"' in hidden and "Vector JSC" not in hidden
    assert 'data-testid="wizard-new-caller"' in hidden
    assert mary.get("/wizard/search?q=a").get_data(as_text=True).strip() == ""


def test_step_two_offers_the_callers_open_interests(mary, world):
    page = mary.get(f"/wizard/caller?entity=client&id={world.own_client.id}").get_data(as_text=True)
    assert 'value="attach" checked' in page and "Office furniture" in page
    new = mary.get("/wizard/caller?entity=new&q=%2B7 999 000-11-22").get_data(as_text=True)
    assert 'name="new_phone" value="+7 999 000-11-22"' in new and 'value="attach"' not in new


def test_attach_appeal_to_an_open_interest_as_an_interaction(mary, world):
    interest = db.session.query(Interest).one()
    resp = mary.post(
        "/wizard",
        data={"channel": "email", "caller": "contact", "caller_id": world.contact.id, "action": "attach",
              "interest_id": interest.id, "subject": "Asks for a delivery date"},
        headers=HX,
    )  # fmt: skip
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == f"/interests/{interest.id}"
    interaction = db.session.query(Interaction).one()
    assert (interaction.kind, interaction.direction, interaction.interest_id) == (
        "letter",
        "incoming",
        interest.id,
    )
    assert interaction.contact_id == world.contact.id and interaction.client_id == world.own_client.id


def test_unknown_caller_becomes_a_potential_client_with_an_interest_and_its_sale_process(
    mary, world, route_maps
):
    resp = mary.post(
        "/wizard",
        data={"channel": "phone", "caller": "new", "action": "interest", "new_name": "Pavel Newman",
              "new_phone": "+7 999 000-11-22", "subject": "Wants 20 office chairs"},
    )  # fmt: skip
    assert resp.status_code == 303
    lead = db.session.query(Lead).filter_by(name="Pavel Newman").one()
    interest = db.session.query(Interest).filter_by(lead_id=lead.id).one()
    assert resp.location == f"/interests/{interest.id}"
    assert (lead.source, interest.source, interest.title) == ("phone", "phone", "Wants 20 office chairs")
    instance = db.session.get(ProcessInstance, interest.process_instance_id)
    assert instance is not None and instance.business_key == f"interest:{interest.id}"
    assert [t.status for t in tasks_for_instance(instance.id)] == ["open"]
    call = db.session.query(Interaction).filter_by(interest_id=interest.id).one()
    assert (call.kind, call.direction, call.lead_id) == ("call", "incoming", lead.id)


def test_ticket_of_a_chosen_type_starts_its_route_map(mary, world, route_maps):
    admin = accounts.create_user("root", "Root Admin", "password-1", roles=["administrator"])
    appeal_type = save_appeal_type(
        admin, name="Claim", route_map_key="support_appeal", reaction_sla="PT4H working"
    )
    resp = mary.post(
        "/wizard",
        data={"channel": "messenger", "caller": "client", "caller_id": world.own_client.id, "action": "ticket",
              "appeal_type_id": appeal_type.id, "subject": "Broken chair leg"},
        headers=HX,
    )  # fmt: skip
    ticket = db.session.query(Ticket).one()
    assert resp.headers["HX-Redirect"] == f"/tickets/{ticket.id}"
    assert (ticket.channel, ticket.client_id, ticket.appeal_type_id) == (
        "messenger",
        world.own_client.id,
        appeal_type.id,
    )
    assert ticket.process_instance_id is not None
    assert db.session.get(ProcessInstance, ticket.process_instance_id).business_key == f"ticket:{ticket.id}"


def test_errors_come_back_next_to_the_fields(mary, world):
    resp = mary.post("/wizard", data={"channel": "phone", "caller": "new", "action": "interest"}, headers=HX)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for name in ("new_name", "new_phone", "subject"):
        assert f'data-field-error="{name}"' in page
    resp = mary.post("/wizard", data={"channel": "fax", "caller": "client", "caller_id": world.own_client.id,
                                      "action": "ticket", "subject": "x"})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'data-field-error="channel"' in page and 'data-field-error="appeal_type_id"' in page
    assert db.session.query(Lead).count() == 0 and db.session.query(Ticket).count() == 0


def test_wizard_refuses_another_managers_client(mary, world, app):
    app.config["TEST_ERROR_PAGES"] = True
    assert mary.get(f"/wizard/caller?entity=client&id={world.other_client.id}").status_code == 403
    resp = mary.post("/wizard", data={"channel": "phone", "caller": "client", "caller_id": world.other_client.id,
                                      "action": "interest", "subject": "Sneaky"})  # fmt: skip
    assert resp.status_code == 403
    assert db.session.query(Interest).filter_by(title="Sneaky").count() == 0
