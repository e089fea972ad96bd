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
