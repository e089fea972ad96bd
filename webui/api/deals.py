"""Interests (deals): list, read, open (optionally starting the ``sale`` route map), change stage, close."""

from __future__ import annotations

from typing import Any

from crm.deals.services import (
    close_interest,
    create_interest,
    get_interest,
    list_interests,
    set_interest_stage,
)
from crm.process_starts import create_interest_with_sale
from webui.api.core import PAGE_PARAMS, Param, actor, operation, page_of, paging, query_bool, query_int
from webui.api.serializers import interest_json


@operation(
    "GET",
    "/interests",
    summary="List the interests you may see",
    tag="Interests",
    params=(
        Param("client_id", {"type": "integer"}, "Only this client's."),
        Param("lead_id", {"type": "integer"}, "Only this potential client's."),
        Param("responsible_id", {"type": "integer"}, "Only this responsible user's."),
        Param("open", {"type": "boolean"}, "true: only open ones."),
        *PAGE_PARAMS,
    ),
    ok=(200, "InterestPage"),
)
def interests_list() -> Any:
    """Newest first."""
    page, per_page = paging()
    rows, total = list_interests(
        actor(),
        client_id=query_int("client_id"),
        lead_id=query_int("lead_id"),
        responsible_id=query_int("responsible_id"),
        open_only=bool(query_bool("open")),
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return page_of([interest_json(i) for i in rows], total, page, per_page)


@operation(
    "POST",
    "/interests",
    summary="Open an interest, optionally starting its sale route map",
    tag="Interests",
    body="InterestInput",
    ok=(201, "Interest"),
    problems=(403, 404, 409),
    description="Belongs to `client_id` or `lead_id`. With `start_process: true` the `sale` route map starts "
    "in the same transaction: when it cannot start (409: not deployed; 422: its first steps failed) the "
    "interest is not stored either.",
)
def interests_create(body: dict[str, Any]) -> Any:
    start = bool(body.pop("start_process", False))
    if start:
        interest, _instance_id = create_interest_with_sale(actor(), body)
    else:
        interest = create_interest(actor(), body)
    return interest_json(interest), 201, {"Location": f"/api/v1/interests/{interest.id}"}


@operation(
    "GET",
    "/interests/{interest_id}",
    summary="One interest",
    tag="Interests",
    ok=(200, "Interest"),
    problems=(403, 404),
)
def interests_get(interest_id: int) -> Any:
    """Visible through its client or lead, or to its responsible manager."""
    return interest_json(get_interest(actor(), interest_id))


@operation(
    "POST",
    "/interests/{interest_id}/stage",
    summary="Move an interest to a stage",
    tag="Interests",
    body="StageChange",
    ok=(200, "Interest"),
    problems=(403, 404),
)
def interests_stage(interest_id: int, body: dict[str, Any]) -> Any:
    """A won or lost stage closes the interest (lost needs `lost_reason`)."""
    interest = set_interest_stage(actor(), interest_id, body["stage"], body.get("lost_reason", ""))
    return interest_json(interest)


@operation(
    "POST",
    "/interests/{interest_id}/close",
    summary="Close an interest as won or lost",
    tag="Interests",
    body="InterestClose",
    ok=(200, "Interest"),
    problems=(403, 404),
)
def interests_close(interest_id: int, body: dict[str, Any]) -> Any:
    """`lost_reason` is required when the outcome is lost."""
    interest = close_interest(actor(), interest_id, body["outcome"], body.get("lost_reason", ""))
    return interest_json(interest)
