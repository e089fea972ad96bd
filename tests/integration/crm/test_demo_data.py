"""Demo data loads through the real services, once, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from crm.accounts.services import authenticate
from crm.clients.models import Client, Lead
from crm.deals.models import Interest
from crm.demo.demo_data import CLIENTS, USERS, load_demo_data
from crm.errors import AccessDenied
from crm.feed.services import feed_for
from crm.quality.services import explain_quality
from crm.statuses.services import statuses_for_clients
from crm.support.models import Ticket
from engine.db import db


def log_in(username: str, password: str):  # type: ignore[no-untyped-def]
    return authenticate(username, password, remote_addr="127.0.0.1", max_attempts=5, window_seconds=60)


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_data_is_complete_and_idempotent(any_app: Flask) -> None:
    first = load_demo_data()
    assert first.created
    assert count(Client) == len(CLIENTS) and count(Lead) == 3 and count(Ticket) == 3
    stages = {i.stage.code for i in db.session.scalars(select(Interest))}
    assert stages == {"qualification", "needs", "proposal", "negotiation", "won", "lost"}
    assert not load_demo_data().created
    assert count(Client) == len(CLIENTS)

    for username, *_ in USERS:  # the documented passwords work
        assert log_in(username, username).username == username

    manager = log_in("manager", "manager")
    romashka = db.session.scalars(select(Client).where(Client.name == "ООО «Ромашка»")).one()
    feed = feed_for(manager, client_id=romashka.id, limit=50)
    kinds = {e.kind for e in feed.entries}
    assert {"interest", "call", "meeting", "letter", "message", "note", "ticket", "proposal"} <= kinds
    assert [e.title for e in feed_for(manager, client_id=romashka.id, kinds=["letter"]).entries] == [
        "Отправлен прайс-лист"
    ]
    statuses = statuses_for_clients([romashka.id])
    assert statuses[romashka.id].code == "active"  # a won service contract
    assert explain_quality(romashka.id).computable

    northwind = db.session.scalars(select(Client).where(Client.name == "Northwind Traders")).one()
    with pytest.raises(AccessDenied):  # manager2's Key accounts client
        feed_for(manager, client_id=northwind.id)
