"""People and clients for the Clients/Feed/wizard/desktop page tests: two sales departments, a manager in
each, a support agent, and a client of each manager (built through the CRM services)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from crm.accounts import services as accounts
from crm.clients.contacts import add_contact
from crm.clients.services import create_client
from crm.deals.services import create_interest, ensure_default_stages

PASSWORD = "password-1"


@dataclass
class World:
    manager: object
    other_manager: object
    agent: object
    own_client: object
    other_client: object
    contact: object


def build_world() -> World:
    accounts.ensure_builtin_roles()
    ensure_default_stages()
    sales = accounts.save_department("Sales")
    keys = accounts.save_department("Key accounts")
    manager = accounts.create_user(
        "mary", "Mary Manager", PASSWORD, roles=["manager"], department_id=sales.id
    )
    other = accounts.create_user("oleg", "Oleg Other", PASSWORD, roles=["manager"], department_id=keys.id)
    agent = accounts.create_user("sveta", "Sveta Agent", PASSWORD, roles=["employee"])
    own = create_client(
        manager,
        {
            "name": "Romashka LLC",
            "inn": "7707083893",
            "phones": "+7 495 123-45-67",
            "emails": "info@romashka.ru",
        },
    )
    contact = add_contact(
        manager,
        own.id,
        {"full_name": "Ivan Petrov", "position": "Buyer", "is_key_person": True,
         "birthday": (date.today() + timedelta(days=3)).replace(year=1980), "phones": "+7 916 111-22-33"},
    )  # fmt: skip
    other_client = create_client(other, {"name": "Vector JSC", "phones": "+7 812 700-10-20"})
    create_interest(manager, {"client_id": own.id, "title": "Office furniture", "amount": 480000})
    return World(manager, other, agent, own, other_client, contact)


def log_in(client, username: str) -> None:
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
