"""Clients, their contact persons, potential clients (leads) and the search over all three."""

from __future__ import annotations

from typing import Any

from flask import request

from crm.clients.contacts import add_contact, get_contact, list_contacts
from crm.clients.leads import create_lead, get_lead, list_leads
from crm.clients.models import CLIENT_KINDS, LEAD_CONVERTED, LEAD_OPEN, LEAD_REJECTED
from crm.clients.services import create_client, get_client, list_clients
from crm.search import search_everything
from webui.api.core import (
    PAGE_PARAMS,
    ApiProblem,
    Param,
    actor,
    operation,
    page_of,
    paging,
    query_choice,
    query_int,
)
from webui.api.serializers import client_json, contact_json, lead_json, search_hit_json

Q = Param("q", {"type": "string"}, "Part of the name (case-insensitive).")


@operation(
    "GET",
    "/clients",
    summary="List the clients you may see",
    tag="Clients",
    params=(
        Q,
        Param("kind", {"enum": list(CLIENT_KINDS)}, "company or person."),
        Param("segment_id", {"type": "integer"}, "Only this segment."),
        Param("responsible_id", {"type": "integer"}, "Only this responsible user's."),
        Param("include_inactive", {"type": "boolean"}, "Also inactive cards."),
        *PAGE_PARAMS,
    ),
    ok=(200, "ClientPage"),
)
def clients_list() -> Any:
    """By name; only the clients the token's user may see (their own, their department's as the UI allows)."""
    page, per_page = paging()
    rows, total = list_clients(
        actor(),
        name_contains=request.args.get("q", ""),
        kind=query_choice("kind", CLIENT_KINDS),
        segment_id=query_int("segment_id"),
        responsible_id=query_int("responsible_id"),
        include_inactive=request.args.get("include_inactive", "").lower() in ("1", "true", "yes"),
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return page_of([client_json(c) for c in rows], total, page, per_page)


@operation(
    "GET",
    "/search",
    summary="Find clients, contacts and leads by name, phone, e-mail or INN",
    tag="Clients",
    params=(
        Param("q", {"type": "string", "minLength": 2}, "What to look for.", required=True),
        Param(
            "limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "At most this many."
        ),
    ),
    ok=(200, "SearchResult"),
)
def search() -> Any:
    """The same search as the appeal wizard's: only cards the token's user may see."""
    text = request.args.get("q", "").strip()
    if len(text) < 2:
        raise ApiProblem(400, "Bad parameter", "q needs at least 2 characters.", errors={"q": "too short"})
    limit = min(query_int("limit", 20, minimum=1) or 20, 100)
    return {"items": [search_hit_json(hit) for hit in search_everything(actor(), text, limit)]}


@operation(
    "POST",
    "/clients",
    summary="Create a client (with duplicate control)",
    tag="Clients",
    body="ClientInput",
    ok=(201, "Client"),
    problems=(403, 409),
    description="A client that looks like an existing one (same INN, phone, e-mail or a similar name) is "
    "refused with 409 and the list of candidates, unless `allow_duplicate` is true.",
)
def clients_create(body: dict[str, Any]) -> Any:
    allow = bool(body.pop("allow_duplicate", False))
    client = create_client(actor(), body, allow_duplicate=allow)
    return client_json(client), 201, {"Location": f"/api/v1/clients/{client.id}"}


@operation(
    "GET",
    "/clients/{client_id}",
    summary="One client",
    tag="Clients",
    ok=(200, "Client"),
    problems=(403, 404),
)
def clients_get(client_id: int) -> Any:
    """A merged card answers with the card it was merged into."""
    return client_json(get_client(actor(), client_id))


@operation(
    "GET",
    "/clients/{client_id}/contacts",
    summary="Contact persons of a client",
    tag="Clients",
    ok=(200, "ContactList"),
    problems=(403, 404),
)
def contacts_list(client_id: int) -> Any:
    """Active contact persons, key persons first."""
    return {"items": [contact_json(c) for c in list_contacts(actor(), client_id)]}


@operation(
    "POST",
    "/clients/{client_id}/contacts",
    summary="Add a contact person (with duplicate control)",
    tag="Clients",
    body="ContactInput",
    ok=(201, "Contact"),
    problems=(403, 404, 409),
)
def contacts_create(client_id: int, body: dict[str, Any]) -> Any:
    """A contact with the same phone, e-mail or a similar name at this client is refused with 409 unless
    `allow_duplicate` is true."""
    allow = bool(body.pop("allow_duplicate", False))
    contact = add_contact(actor(), client_id, body, allow_duplicate=allow)
    return contact_json(contact), 201, {"Location": f"/api/v1/contacts/{contact.id}"}


@operation(
    "GET",
    "/contacts/{contact_id}",
    summary="One contact person",
    tag="Clients",
    ok=(200, "Contact"),
    problems=(403, 404),
)
def contacts_get(contact_id: int) -> Any:
    """Visible when the contact's client is."""
    return contact_json(get_contact(actor(), contact_id))


LEAD_STATUSES = (LEAD_OPEN, LEAD_CONVERTED, LEAD_REJECTED)


@operation(
    "GET",
    "/leads",
    summary="List potential clients",
    tag="Leads",
    params=(
        Q,
        Param("status", {"enum": [*LEAD_STATUSES, "any"], "default": LEAD_OPEN}, "Lead status."),
        *PAGE_PARAMS,
    ),
    ok=(200, "LeadPage"),
)
def leads_list() -> Any:
    """Newest first: your own, your department's and those nobody is responsible for yet."""
    page, per_page = paging()
    status = query_choice("status", (*LEAD_STATUSES, "any")) or LEAD_OPEN
    rows, total = list_leads(
        actor(),
        status=None if status == "any" else status,
        name_contains=request.args.get("q", ""),
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return page_of([lead_json(lead) for lead in rows], total, page, per_page)


@operation(
    "POST",
    "/leads",
    summary="Register a potential client",
    tag="Leads",
    body="LeadInput",
    ok=(201, "Lead"),
    problems=(403,),
)
def leads_create(body: dict[str, Any]) -> Any:
    """E.g. a request from the website's form."""
    lead = create_lead(actor(), body)
    return lead_json(lead), 201, {"Location": f"/api/v1/leads/{lead.id}"}


@operation(
    "GET",
    "/leads/{lead_id}",
    summary="One potential client",
    tag="Leads",
    ok=(200, "Lead"),
    problems=(403, 404),
)
def leads_get(lead_id: int) -> Any:
    """Visible to its responsible user and their department, or to everyone while nobody is responsible."""
    return lead_json(get_lead(actor(), lead_id))
