"""Interests, appeals, interactions, notes: access inherited from the client, history, Feed rows, sanitizing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.activities.notes import add_note, get_note, list_notes
from crm.activities.services import add_interaction, complete_interaction, list_interactions
from crm.clients.services import create_client
from crm.deals.proposals import create_proposal, set_proposal_status
from crm.deals.services import (
    close_interest,
    create_interest,
    ensure_default_stages,
    get_interest,
    interest_history,
    list_interests,
    set_interest_stage,
)
from crm.errors import AccessDenied, ValidationFailed
from crm.feed.models import FeedEntry
from crm.support.services import create_ticket, get_ticket, list_tickets, save_appeal_type, set_ticket_status
from engine.db import db
from tests.integration.crm.conftest import People, client_data


@pytest.fixture
def stages(people: People) -> None:
    ensure_default_stages()


def test_interest_stages_close_and_history(people: People, stages: None) -> None:
    client = create_client(people.alice, client_data("Deal Co"))
    interest = create_interest(
        people.alice, {"client_id": client.id, "title": "CRM licences", "amount": "150 000,50"}
    )
    assert interest.amount == Decimal("150000.50") and interest.stage.code == "qualification"
    assert interest.business_key == f"interest:{interest.id}"
    set_interest_stage(people.alice, interest.id, "proposal")
    with pytest.raises(ValidationFailed) as err:
        set_interest_stage(people.alice, interest.id, "lost")
    assert "lost_reason" in err.value.field_errors
    close_interest(people.alice, interest.id, "lost", "Too expensive")
    assert (interest.outcome, interest.lost_reason, interest.stage.code) == ("lost", "Too expensive", "lost")
    assert interest.closed_at is not None
    changes = [
        (r.field, r.old_value, r.new_value) for r in reversed(interest_history(people.alice, interest.id))
    ]
    assert changes == [
        ("", None, "CRM licences"),
        ("stage", "qualification", "proposal"),
        ("stage", "proposal", "lost"),
        ("outcome", None, "lost"),
        ("lost_reason", "", "Too expensive"),
    ]
    feed = db.session.scalars(select(FeedEntry).where(FeedEntry.kind == "interest")).one()
    assert (feed.client_id, feed.interest_id, feed.details["stage"]) == (client.id, interest.id, "lost")


def test_manager_cannot_reach_another_managers_interests_notes_tickets(people: People, stages: None) -> None:
    theirs = create_client(people.bob, client_data("Bob Co"))
    interest = create_interest(people.bob, {"client_id": theirs.id, "title": "Bob's deal"})
    note = add_note(people.bob, {"client_id": theirs.id, "body_html": "<p>secret</p>"})
    appeal = save_appeal_type(people.admin, name="Claim", reaction_sla="PT4H working", processing_sla="P2D")
    ticket = create_ticket(
        people.bob, {"client_id": theirs.id, "subject": "Broken", "appeal_type_id": appeal.id}
    )
    call = add_interaction(people.bob, {"kind": "call", "client_id": theirs.id, "subject": "Hello"})
    for attempt in (
        lambda: get_interest(people.alice, interest.id),
        lambda: get_note(people.alice, note.id),
        lambda: get_ticket(people.alice, ticket.id),
        lambda: set_interest_stage(people.alice, interest.id, "needs"),
        lambda: create_interest(people.alice, {"client_id": theirs.id, "title": "Poach"}),
        lambda: add_note(people.alice, {"client_id": theirs.id, "body_html": "x"}),
        lambda: add_note(people.alice, {"interest_id": interest.id, "body_html": "x"}),
        lambda: add_interaction(people.alice, {"kind": "call", "client_id": theirs.id}),
    ):
        with pytest.raises(AccessDenied):
            attempt()
    assert list_interests(people.alice) == ([], 0)
    assert list_tickets(people.alice) == ([], 0)
    assert list_notes(people.alice, client_id=theirs.id) == []
    assert list_interactions(people.alice) == ([], 0)
    assert [i.id for i in list_interests(people.bob)[0]] == [interest.id]
    assert [n.id for n in list_notes(people.carol, client_id=theirs.id)] == [note.id]
    assert [c.id for c in list_interactions(people.admin)[0]] == [call.id]
    # The responsible of a record may open it even when the client is someone else's.
    create_ticket(
        people.admin, {"client_id": theirs.id, "subject": "For Dave", "responsible_id": people.dave.id}
    )
    assert [t.subject for t in list_tickets(people.dave)[0]] == ["For Dave"]


def test_note_html_is_sanitized(people: People) -> None:
    client = create_client(people.alice, client_data("Html Co"))
    note = add_note(people.alice, {"client_id": client.id, "body_html": (
        '<p onclick="steal()">Hi<script>alert(1)</script><style>p{}</style></p>'
        '<img src="https://cdn.example/x.png" onerror="alert(2)">'
        '<a href="javascript:alert(3)">bad</a><a href="https://example.com">good</a>'
        '<table><tr><td colspan="2">cell</td></tr></table>')})  # fmt: skip
    body = note.body_html
    for gone in ("script", "alert", "onclick", "onerror", "javascript:", "<style"):
        assert gone not in body
    for kept in (
        '<img src="https://cdn.example/x.png">',
        'href="https://example.com"',
        '<td colspan="2">cell</td>',
    ):
        assert kept in body
    assert "<table>" in body
    with pytest.raises(ValidationFailed):
        add_note(people.alice, {"client_id": client.id, "body_html": "<script>x()</script>"})
    entry = db.session.scalars(select(FeedEntry).where(FeedEntry.kind == "note")).one()
    assert entry.summary == "Hi badgood cell"


def test_interactions_plan_complete_and_first_response(people: People) -> None:
    client = create_client(people.alice, client_data("Call Co"))
    ticket = create_ticket(people.alice, {"client_id": client.id, "subject": "Help", "channel": "email"})
    assert ticket.status == "new" and ticket.first_response_at is None
    later = datetime.now(UTC) + timedelta(days=1)
    planned = add_interaction(
        people.alice, {"kind": "call", "ticket_id": ticket.id, "planned_at": later.isoformat()}
    )
    assert planned.status == "planned" and planned.client_id == client.id
    assert ticket.first_response_at is None
    complete_interaction(people.alice, planned.id, result="Explained the fix")
    assert get_ticket(people.alice, ticket.id).first_response_at == planned.actual_at
    with pytest.raises(ValidationFailed):
        add_interaction(people.alice, {"kind": "call", "planned_at": "2030-01-01T10:00:00"})  # naive
    with pytest.raises(ValidationFailed):
        add_interaction(people.alice, {"kind": "call", "direction": "incoming"})  # incoming needs a client
    lonely = add_interaction(people.alice, {"kind": "letter", "subject": "Cold mailing"})  # SPEC #20
    assert lonely.client_id is None and lonely.interest_id is None
    assert lonely.id in [i.id for i in list_interactions(people.alice)[0]]
    set_ticket_status(people.alice, ticket.id, "in_progress")
    set_ticket_status(people.alice, ticket.id, "resolved")
    with pytest.raises(ValidationFailed):
        set_ticket_status(people.alice, ticket.id, "waiting_client")
    set_ticket_status(people.alice, ticket.id, "reopened")
    assert ticket.resolved_at is None and ticket.business_key == f"ticket:{ticket.id}"


def test_proposals_and_appeal_type_validation(people: People, stages: None) -> None:
    client = create_client(people.alice, client_data("Offer Co"))
    interest = create_interest(people.alice, {"client_id": client.id, "title": "Deal", "amount": 1000})
    proposal = create_proposal(people.alice, interest.id, {})
    assert (proposal.number, proposal.amount) == (f"{interest.id}-1", Decimal("1000.00"))
    set_proposal_status(people.alice, proposal.id, "sent")
    assert proposal.sent_at is not None
    with pytest.raises(ValidationFailed):
        set_proposal_status(people.alice, proposal.id, "sent")
    with pytest.raises(AccessDenied):
        create_proposal(people.bob, interest.id, {})
    with pytest.raises(ValidationFailed) as err:
        save_appeal_type(people.admin, name="X", reaction_sla="4 hours", default_priority="huge")
    assert set(err.value.field_errors) == {"reaction_sla", "default_priority"}
    with pytest.raises(AccessDenied):
        save_appeal_type(people.alice, name="X")
