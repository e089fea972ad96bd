"""The access scope is worked out once per transaction: repeated checks cost no query, a commit refreshes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from crm.absences.services import cancel_absence, create_absence
from crm.access import access_scope
from crm.clients.services import create_client, get_client
from crm.errors import AccessDenied
from engine.db import db
from tests.integration.crm.conftest import People, client_data


def _absence_queries(run) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def listen(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if "absences" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return len(seen)


def test_repeated_checks_in_one_transaction_look_absences_up_once(people: People) -> None:
    client = create_client(people.bob, client_data("Bob's"))

    def five_checks() -> None:
        for _ in range(5):
            assert get_client(people.bob, client.id).id == client.id

    assert _absence_queries(five_checks) == 1
    db.session.commit()  # a new transaction asks again
    assert _absence_queries(five_checks) == 1


def test_a_committed_absence_changes_the_deputys_access_at_once(people: People) -> None:
    client = create_client(people.bob, client_data("Bob's"))
    with pytest.raises(AccessDenied):
        get_client(people.dave, client.id)
    now = datetime.now(UTC)
    absence = create_absence(
        people.bob, people.bob.id, people.dave.id, now - timedelta(hours=1), now + timedelta(days=1)
    )
    assert get_client(people.dave, client.id).id == client.id
    assert people.bob.id in access_scope(people.dave).user_ids
    cancel_absence(people.bob, absence.id)
    with pytest.raises(AccessDenied):
        get_client(people.dave, client.id)


def test_an_explicit_instant_is_never_served_from_the_memo(people: People) -> None:
    now = datetime.now(UTC)
    create_absence(
        people.bob, people.bob.id, people.dave.id, now + timedelta(days=1), now + timedelta(days=2)
    )
    assert people.bob.id not in access_scope(people.dave).user_ids
    assert people.bob.id in access_scope(people.dave, now + timedelta(days=1, hours=1)).user_ids
    assert people.bob.id not in access_scope(people.dave).user_ids


def test_record_of_a_hidden_client_opens_through_its_visible_lead_as_lists_show_it(people):
    """``can_view_record`` agrees with ``visible_records_clause``: client OR lead OR own record."""
    from sqlalchemy import select

    from crm.access import can_view_record, visible_records_clause
    from crm.clients.leads import create_lead
    from crm.clients.services import create_client
    from crm.deals.models import Interest
    from crm.deals.services import create_interest
    from engine.db import db
    from tests.integration.crm.conftest import client_data

    lead = create_lead(people.alice, {"name": "Lead of Alice", "company_name": "Lead Co"})
    hidden = create_client(people.dave, client_data("Support's client"))
    interest = create_interest(
        people.admin, {"lead_id": lead.id, "title": "Both owners", "responsible_id": people.dave.id}
    )
    interest.client_id = hidden.id  # as after converting the lead into another manager's client
    db.session.commit()
    listed = db.session.scalars(
        select(Interest.id).where(visible_records_clause(Interest, people.alice))
    ).all()
    assert interest.id in listed
    assert can_view_record(people.alice, interest)
    assert not can_view_record(people.designer, interest)
