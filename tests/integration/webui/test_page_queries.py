"""My tasks and the client card issue a fixed number of SQL statements, however many rows they show (no query
per task, interest, contact, relation or Feed entry), and the filtered My tasks still badges every open task."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event

from crm.clients.contacts import add_contact
from crm.clients.relations import link_clients
from crm.clients.services import create_client
from crm.deals.services import create_interest
from engine.db import db
from tests.integration.webui.workplace_fixtures import build_company, log_in, start_sale


@pytest.fixture
def company(any_app):
    return build_company()


@pytest.fixture
def client(any_app):
    return any_app.test_client()


def _statements(request: Callable[[], object]) -> int:
    seen: list[str] = []

    def listen(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        request()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return len(seen)


def _get(client, url: str) -> Callable[[], object]:  # type: ignore[no-untyped-def]
    """A GET of ``url`` to count, after one warm-up request (first-request work is not the page's)."""
    assert client.get(url).status_code == 200

    def run() -> object:
        resp = client.get(url)
        assert resp.status_code == 200
        return resp

    return run


def test_my_tasks_statements_do_not_grow_with_the_rows(client, company):
    log_in(client, "mary")
    one_row = _statements(_get(client, "/tasks"))
    for n in range(4):
        extra = create_interest(company.manager, {"client_id": company.client.id, "title": f"Desk {n}"})
        start_sale(extra, company.manager)
    page = client.get("/tasks").get_data(as_text=True)
    assert page.count('data-testid="task-row"') == 5
    assert _statements(_get(client, "/tasks")) == one_row


def test_filtered_my_tasks_badges_all_open_tasks_from_the_same_count(client, company):
    start_sale(company.plain_interest, company.manager)
    log_in(client, "mary")
    unfiltered = _statements(_get(client, "/tasks"))
    page = client.get("/tasks?due=overdue").get_data(as_text=True)
    assert 'data-testid="task-row"' not in page  # nothing is overdue yet
    assert 'data-testid="nav-task-count">2<' in page  # ... but the navigation badge counts both tasks
    assert _statements(_get(client, "/tasks?priority=0&sort=priority")) == unfiltered


def test_client_card_statements_do_not_grow_with_what_it_lists(client, company):
    mary = company.manager
    people = ("Anna Petrova", "Boris Ivanov", "Clara Smirnova")
    partners = ("Alpha Trading", "Birch Works", "Cobalt Systems")

    def add_one_of_each(n: int) -> None:
        create_interest(mary, {"client_id": company.client.id, "title": f"Extra {n}"})
        add_contact(mary, company.client.id, {"full_name": people[n], "phones": f"+7 900 100-2{n}-3{n}"})
        partner = create_client(mary, {"name": partners[n], "phones": f"+7 901 400-5{n}-6{n}"})
        link_clients(mary, company.client.id, partner.id, "partner")

    add_one_of_each(0)
    log_in(client, "mary")
    url = f"/clients/{company.client.id}"
    one_of_each = _statements(_get(client, url))
    add_one_of_each(1)
    add_one_of_each(2)
    page = client.get(url).get_data(as_text=True)
    assert (
        page.count('data-testid="contact"') == 3 and "Cobalt Systems" in page and "+7 900 100-22-32" in page
    )
    assert _statements(_get(client, url)) == one_of_each
