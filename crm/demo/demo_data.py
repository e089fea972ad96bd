"""``load_demo_data()``: a small, believable company to try the product with (idempotent).

Users and passwords (documented in docs/demo.md): admin/admin (administrator), designer/designer (process
designer), manager/manager (sales manager, Sales), manager2/manager2 (sales manager, Key accounts),
agent/agent (support agent, Support). The data goes through the same CRM services as the UI, so Feed entries,
change history and access rules are exactly what a real user would produce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm.accounts.models import User
from crm.accounts.services import create_user, ensure_builtin_roles, find_user, save_department
from crm.activities.notes import add_note_in_session
from crm.activities.services import add_interaction_in_session
from crm.clients.contacts import add_contact_in_session
from crm.clients.leads import create_lead_in_session
from crm.clients.models import Client
from crm.clients.services import create_client_in_session
from crm.deals.proposals import create_proposal
from crm.deals.services import (
    close_interest_in_session,
    create_interest_in_session,
    ensure_default_stages,
    set_interest_stage_in_session,
)
from crm.quality.rules import load_quality_template
from crm.statuses.rules import install_default_status_rules
from crm.statuses.services import recalculate_all
from crm.support.models import AppealType
from crm.support.services import create_ticket_in_session, save_appeal_type
from engine.db import db, utcnow

MARKER_CLIENT = "ООО «Ромашка»"

USERS = (
    # username, full name, roles, department
    ("admin", "Анна Админова", ["administrator"], None),
    ("designer", "Denis Designer", ["designer"], None),
    ("manager", "Мария Менеджерова", ["manager"], "Sales"),
    ("manager2", "Oleg Petrov", ["manager"], "Key accounts"),
    ("agent", "Светлана Поддержкина", ["employee"], "Support"),
)

# name, kind, inn, phones, e-mails, owner, contacts [(name, position, phone, e-mail, key person)]
CLIENTS: tuple[tuple[Any, ...], ...] = (
    (
        "ООО «Ромашка»",
        "company",
        "7707083893",
        ["+7 495 123-45-67"],
        ["info@romashka.ru"],
        "manager",
        [("Петров Иван Сергеевич", "Закупщик", "+7 916 111-22-33", "petrov@romashka.ru", True)],
    ),
    ("ИП Иванов", "person", "500100732259", ["+7 903 555-01-02"], [], "manager", []),
    (
        "Northwind Traders",
        "company",
        None,
        ["+1 206 555 0100"],
        ["orders@northwind.example"],
        "manager2",
        [
            ("Nancy Davolio", "Purchasing manager", "+1 206 555 0101", "nancy@northwind.example", True),
            ("Andrew Fuller", "VP Sales", "", "andrew@northwind.example", False),
        ],
    ),
    (
        "АО «Вектор»",
        "company",
        "7736207543",
        ["+7 812 700-10-20"],
        ["office@vector.ru"],
        "manager2",
        [("Смирнова Ольга Андреевна", "Главный бухгалтер", "+7 921 700-10-21", "", False)],
    ),
    ("Contoso Ltd", "company", None, [], ["hello@contoso.example"], "manager", []),
    (
        "ООО «Север-Логистик»",
        "company",
        "7802312007",
        ["+7 812 333-44-55"],
        [],
        "manager",
        [("Кузнецов Дмитрий Олегович", "Директор", "+7 911 333-44-56", "kuznetsov@sever-log.ru", True)],
    ),
    ("Fabrikam Inc", "company", None, ["+44 20 7946 0000"], ["sales@fabrikam.example"], "manager2", []),
)

# client, title, stage code or outcome, amount
INTERESTS = (
    ("ООО «Ромашка»", "Поставка офисной мебели", "proposal", 480000),
    ("ООО «Ромашка»", "Сервисный контракт на год", "won", 120000),
    ("ИП Иванов", "Кресло руководителя", "qualification", 35000),
    ("Northwind Traders", "Warehouse shelving", "negotiation", 910000),
    ("АО «Вектор»", "Переговорные комнаты", "needs", 650000),
    ("Contoso Ltd", "Reception desk", "lost", 90000),
    ("ООО «Север-Логистик»", "Стеллажи для склада", "won", 1250000),
)


@dataclass(frozen=True)
class DemoSummary:
    created: bool  # False when the demo data was already there
    users: int
    clients: int


def load_demo_data() -> DemoSummary:
    """Create the demo company, users, clients, deals, appeals and activities once; later calls do nothing."""
    ensure_builtin_roles()
    if db.session.scalar(select(Client.id).where(Client.name == MARKER_CLIENT)) is not None:
        return DemoSummary(False, len(USERS), len(CLIENTS))
    users = _users()
    ensure_default_stages()
    appeal_types = _appeal_types(users["admin"])
    clients = _clients(users)
    _leads(users)
    interests = _interests(users, clients)
    _activities(users, clients, interests, appeal_types)
    db.session.commit()
    for title, number in (("Поставка офисной мебели", 1), ("Warehouse shelving", 1)):
        for _ in range(number):
            create_proposal(users["admin"], interests[title].id, {"comment": "Standard terms, 30 days"})
    install_default_status_rules()
    load_quality_template(None, "recommended", replace=False)
    recalculate_all()
    return DemoSummary(True, len(USERS), len(CLIENTS))


def _users() -> dict[str, User]:
    departments: dict[str, int] = {}
    for name, parent in (("Sales", None), ("Key accounts", "Sales"), ("Support", None)):
        departments[name] = save_department(name, parent_id=departments.get(parent or "")).id
    users = {}
    for username, full_name, roles, department in USERS:
        user = find_user(username) or create_user(
            username,
            full_name,
            username,
            roles=roles,
            email=f"{username}@demo.routemap.local",
            department_id=departments[department] if department else None,
            locale="ru" if username in ("manager", "agent") else "en",
            allow_short_password=True,
        )
        users[username] = user
    return users


def _appeal_types(admin: User) -> dict[str, AppealType]:
    specs = (
        ("Claim", "PT4H working", "P3D"),
        ("Service request", "PT8H working", "P5D"),
        ("Tech support", "PT2H working", "P2D"),
    )
    return {
        name: save_appeal_type(admin, name=name, reaction_sla=reaction, processing_sla=processing)
        for name, reaction, processing in specs
    }


def _clients(users: dict[str, User]) -> dict[str, Client]:
    clients = {}
    for name, kind, inn, phones, emails, owner, contacts in CLIENTS:
        data = {
            "name": name,
            "kind": kind,
            "phones": phones,
            "emails": emails,
            "responsible_id": users[owner].id,
        }
        if inn:
            data.update(inn=inn, legal_name=name)
        client = create_client_in_session(None, data, allow_duplicate=True, any_responsible=True)
        for full_name, position, phone, email, key in contacts:
            contact_data = {"full_name": full_name, "position": position, "is_key_person": key}
            contact_data.update(phones=[phone] if phone else [], emails=[email] if email else [])
            add_contact_in_session(None, client.id, contact_data, allow_duplicate=True)
        clients[name] = client
    db.session.flush()
    return clients


def _leads(users: dict[str, User]) -> None:
    for name, company, phone, email in (
        ("Алексей Новиков", "ООО «Орбита»", "+7 926 100-20-30", "novikov@orbita.ru"),
        ("Linda Evans", "Tailspin Toys", "", "linda@tailspin.example"),
        ("Сергей Козлов", "", "+7 915 400-50-60", ""),
    ):
        data = {"name": name, "company_name": company, "phone": phone, "email": email, "source": "website"}
        create_lead_in_session(users["manager"], data)


def _interests(users: dict[str, User], clients: dict[str, Client]) -> dict[str, Any]:
    interests = {}
    for client_name, title, stage, amount in INTERESTS:
        client = clients[client_name]
        actor = db.session.get(User, client.responsible_id)
        open_stage = stage if stage not in ("won", "lost") else None
        data = {"client_id": client.id, "title": title, "amount": Decimal(amount)}
        interest = create_interest_in_session(actor, {**data, "stage": open_stage} if open_stage else data)
        if stage == "won":
            close_interest_in_session(actor, interest.id, "won")
        elif stage == "lost":
            close_interest_in_session(actor, interest.id, "lost", "Chose a cheaper supplier")
        elif stage != "qualification":
            set_interest_stage_in_session(actor, interest.id, stage)
        interests[title] = interest
    return interests


def _activities(
    users: dict[str, User],
    clients: dict[str, Client],
    interests: dict[str, Any],
    types: dict[str, AppealType],
) -> None:
    now = utcnow()
    manager, agent = users["manager"], users["agent"]
    romashka, north = clients["ООО «Ромашка»"], clients["Northwind Traders"]
    deal = interests["Поставка офисной мебели"]
    for days, kind, subject, direction in (
        (20, "call", "Первый звонок: потребность в мебели", "incoming"),
        (14, "meeting", "Встреча в офисе клиента", "outgoing"),
        (9, "letter", "Отправлен прайс-лист", "outgoing"),
        (2, "message", "Уточнение по срокам поставки (Telegram)", "incoming"),
    ):
        add_interaction_in_session(manager, {
            "kind": kind, "subject": subject, "direction": direction, "client_id": romashka.id,
            "interest_id": deal.id, "actual_at": now - timedelta(days=days),
        })  # fmt: skip
    add_note_in_session(
        manager,
        {
            "client_id": romashka.id,
            "interest_id": deal.id,
            "body_html": "<p>Клиент просит <b>скидку 5%</b> при оплате в течение недели.</p>",
        },
    )
    add_interaction_in_session(users["manager2"], {
        "kind": "call", "subject": "Follow-up on shelving quote", "client_id": north.id,
        "interest_id": interests["Warehouse shelving"].id, "actual_at": now - timedelta(days=1),
    })  # fmt: skip
    add_interaction_in_session(manager, {
        "kind": "meeting", "subject": "Презентация стеллажей", "client_id": clients["ООО «Север-Логистик»"].id,
        "planned_at": now + timedelta(days=3), "status": "planned",
    })  # fmt: skip
    for client_name, subject, type_name in (
        ("ООО «Ромашка»", "Сломана ножка стула после доставки", "Claim"),
        ("ООО «Север-Логистик»", "Сборка стеллажей на складе", "Service request"),
        ("Northwind Traders", "Cannot log in to the supplier portal", "Tech support"),
    ):
        ticket = create_ticket_in_session(None, {
            "client_id": clients[client_name].id, "subject": subject, "appeal_type_id": types[type_name].id,
            "channel": "email", "responsible_id": agent.id,
        })  # fmt: skip
        add_note_in_session(
            agent, {"ticket_id": ticket.id, "body_html": f"<p>Принято в работу: {subject}</p>"}
        )
