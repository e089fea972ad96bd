"""Appeals (tickets), notes and interactions."""

from __future__ import annotations

from typing import Any

from crm.activities.notes import add_note
from crm.activities.services import add_interaction
from crm.process_starts import create_ticket_with_route_map
from crm.support.models import TICKET_STATUSES
from crm.support.services import create_ticket, get_ticket, list_tickets
from webui.api.core import (
    PAGE_PARAMS,
    Param,
    actor,
    operation,
    page_of,
    paging,
    query_bool,
    query_choice,
    query_int,
)
from webui.api.serializers import interaction_json, note_json, ticket_json


@operation(
    "GET",
    "/tickets",
    summary="List the appeals you may see",
    tag="Tickets",
    params=(
        Param("client_id", {"type": "integer"}, "Only this client's."),
        Param("responsible_id", {"type": "integer"}, "Only this responsible user's."),
        Param("status", {"enum": list(TICKET_STATUSES)}, "Only this status."),
        Param("open", {"type": "boolean"}, "true: only open ones."),
        *PAGE_PARAMS,
    ),
    ok=(200, "TicketPage"),
)
def tickets_list() -> Any:
    """Oldest first, the order support works them in."""
    page, per_page = paging()
    status = query_choice("status", TICKET_STATUSES)
    rows, total = list_tickets(
        actor(),
        client_id=query_int("client_id"),
        responsible_id=query_int("responsible_id"),
        statuses=(status,) if status else None,
        open_only=bool(query_bool("open")),
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return page_of([ticket_json(t) for t in rows], total, page, per_page)


@operation(
    "POST",
    "/tickets",
    summary="Register an appeal and start its route map",
    tag="Tickets",
    body="TicketInput",
    ok=(201, "Ticket"),
    problems=(403, 404, 409),
    description="The appeal type's route map (default `support_appeal`) starts in the same transaction; when "
    "it cannot start (409: not deployed; 422: its first steps failed) the appeal is not stored either. "
    "`start_process: false` only registers the appeal.",
)
def tickets_create(body: dict[str, Any]) -> Any:
    if body.pop("start_process", True):
        ticket, _instance_id = create_ticket_with_route_map(actor(), body)
    else:
        ticket = create_ticket(actor(), body)
    return ticket_json(ticket), 201, {"Location": f"/api/v1/tickets/{ticket.id}"}


@operation(
    "GET",
    "/tickets/{ticket_id}",
    summary="One appeal",
    tag="Tickets",
    ok=(200, "Ticket"),
    problems=(403, 404),
)
def tickets_get(ticket_id: int) -> Any:
    """Visible through its client or lead, or to its responsible user."""
    return ticket_json(get_ticket(actor(), ticket_id))


@operation(
    "POST",
    "/notes",
    summary="Add a note to a client, contact, lead, interest or appeal",
    tag="Activities",
    body="NoteInput",
    ok=(201, "Note"),
    problems=(403, 404),
)
def notes_create(body: dict[str, Any]) -> Any:
    """HTML is sanitized; the note appears in the Feed at once."""
    note = add_note(actor(), body)
    return note_json(note), 201


@operation(
    "POST",
    "/interactions",
    summary="Record or plan a call, meeting, letter or message",
    tag="Activities",
    body="InteractionInput",
    ok=(201, "Interaction"),
    problems=(403, 404),
)
def interactions_create(body: dict[str, Any]) -> Any:
    """Times need a zone offset (e.g. 2030-05-20T10:00:00+03:00). With only `planned_at` it is planned."""
    interaction = add_interaction(actor(), body)
    return interaction_json(interaction), 201
