"""A small company with a sale driven by the ``ui_sale`` fixture route map, for the workplace page tests.

``ui_sale``: Qualify the interest (form with every widget kind) -> Stage: needs -> Approve the proposal
(decision approve/revise) -> gateway "Approved?" with named flows "Approve" (-> Stage: proposal -> Send the
proposal) and "Send back for revision" (default, back to Qualify). Everything is in the lane "Manager".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm.accounts import services as accounts
from crm.clients.services import create_client
from crm.deals.services import create_interest, ensure_default_stages, link_interest_process
from crm.support.services import create_ticket, save_appeal_type
from engine.definitions import deploy
from engine.instances import start_instance

PASSWORD = "password-1"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"
QUALIFY_OK = {
    "budget": "150000.50",
    "close_date": "2030-05-20",
    "channel": "phone",
    "summary": "Needs 20 desks",
}


def ui_sale_forms() -> dict[str, Any]:
    return {
        "qualify.json": json.loads((FIXTURES / "ui_sale_qualify.json").read_text(encoding="utf-8")),
        "approve.json": json.loads((FIXTURES / "ui_sale_approve.json").read_text(encoding="utf-8")),
    }


def deploy_ui_sale() -> Any:
    xml = (FIXTURES / "ui_sale.bpmn").read_text(encoding="utf-8")
    return deploy(xml, forms=ui_sale_forms()).definition


@dataclass
class Company:
    manager: Any  # mary, manager in Sales: lane "manager"
    other_manager: Any  # oleg, manager in Key accounts
    agent: Any  # sveta, employee in Support
    designer: Any
    admin: Any
    client: Any  # mary's client
    other_client: Any  # oleg's client
    interest: Any  # mary's interest driven by ui_sale
    plain_interest: Any  # mary's interest without a route map
    other_interest: Any  # oleg's interest
    definition: Any


def build_company() -> Company:
    accounts.ensure_builtin_roles()
    ensure_default_stages()
    sales = accounts.save_department("Sales")
    keys = accounts.save_department("Key accounts")
    support = accounts.save_department("Support")
    mary = accounts.create_user("mary", "Mary Manager", PASSWORD, roles=["manager"], department_id=sales.id)
    oleg = accounts.create_user("oleg", "Oleg Other", PASSWORD, roles=["manager"], department_id=keys.id)
    sveta = accounts.create_user(
        "sveta", "Sveta Agent", PASSWORD, roles=["employee"], department_id=support.id
    )
    designer = accounts.create_user("dina", "Dina Designer", PASSWORD, roles=["designer"])
    admin = accounts.create_user("root", "Root Admin", PASSWORD, roles=["administrator"])
    own = create_client(mary, {"name": "Romashka LLC", "phones": "+7 495 123-45-67"})
    other = create_client(oleg, {"name": "Vector JSC", "phones": "+7 812 700-10-20"})
    interest = create_interest(mary, {"client_id": own.id, "title": "Office furniture", "amount": 480000})
    plain = create_interest(mary, {"client_id": own.id, "title": "Chairs", "amount": 1000})
    other_interest = create_interest(oleg, {"client_id": other.id, "title": "Shelving", "amount": 9000})
    definition = deploy_ui_sale()
    start_sale(interest, mary)
    return Company(
        mary, oleg, sveta, designer, admin, own, other, interest, plain, other_interest, definition
    )


def start_sale(interest: Any, by: Any) -> Any:
    instance = start_instance(
        "ui_sale", data={"interest_id": interest.id}, business_key=interest.business_key, started_by=by.id
    )
    link_interest_process(interest.id, instance.id)
    return instance


def make_tickets(admin: Any, client: Any) -> list[Any]:
    """Three appeals of two types (tight and loose SLA), created by the system (no responsible)."""
    tight = save_appeal_type(admin, name="Tech support", reaction_sla="PT2H", processing_sla="P2D")
    loose = save_appeal_type(admin, name="Service request", reaction_sla="P3D", processing_sla="P10D")
    return [
        create_ticket(
            None,
            {
                "client_id": client.id,
                "subject": "Loose one",
                "appeal_type_id": loose.id,
                "responsible_id": None,
            },
        ),
        create_ticket(
            None,
            {
                "client_id": client.id,
                "subject": "Urgent login",
                "appeal_type_id": tight.id,
                "responsible_id": None,
            },
        ),
        create_ticket(None, {"client_id": client.id, "subject": "No type", "responsible_id": None}),
    ]


def log_in(client: Any, username: str) -> None:
    """Log ``username`` in (logging out whoever was logged in on this test client)."""
    client.post("/logout")
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
