"""The Feed of a client, an interest or an appeal: newest first, keyset-paged with ``before``."""

from __future__ import annotations

from typing import Any

from flask import request

from crm.feed.services import MAX_LIMIT, feed_for
from webui.api.core import Param, actor, link_with, operation, query_int
from webui.api.serializers import feed_item_json

FEED_PARAMS = (
    Param(
        "kinds",
        {"type": "string"},
        "Comma-separated kinds to keep: note, call, meeting, letter, message, interest, ticket, ... or "
        "`process` for every route-map event (e.g. variant_chosen).",
    ),
    Param("before", {"type": "string"}, "The cursor from the previous page's `next` link."),
    Param(
        "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 30}, "Entries per page."
    ),
)


def _page(**owner: int) -> dict[str, Any]:
    kinds = [k.strip() for k in request.args.get("kinds", "").split(",") if k.strip()]
    limit = query_int("limit", 30) or 30
    found = feed_for(
        actor(), **owner, kinds=kinds or None, before=request.args.get("before") or None, limit=limit
    )
    return {
        "items": [feed_item_json(item) for item in found.entries],
        "next": link_with(before=found.next_cursor) if found.next_cursor else None,
    }


@operation(
    "GET",
    "/clients/{client_id}/feed",
    summary="The Feed of a client",
    tag="Feed",
    params=FEED_PARAMS,
    ok=(200, "FeedPage"),
    problems=(403, 404, 422),
)
def client_feed(client_id: int) -> Any:
    """Notes, interactions, letters, interests, appeals and route-map events of the client, newest first."""
    return _page(client_id=client_id)


@operation(
    "GET",
    "/interests/{interest_id}/feed",
    summary="The Feed of an interest",
    tag="Feed",
    params=FEED_PARAMS,
    ok=(200, "FeedPage"),
    problems=(403, 404, 422),
)
def interest_feed(interest_id: int) -> Any:
    """Including the "variant chosen" entries of its sale route map."""
    return _page(interest_id=interest_id)


@operation(
    "GET",
    "/tickets/{ticket_id}/feed",
    summary="The Feed of an appeal",
    tag="Feed",
    params=FEED_PARAMS,
    ok=(200, "FeedPage"),
    problems=(403, 404, 422),
)
def ticket_feed(ticket_id: int) -> Any:
    """Its documents and its route map's events, newest first."""
    return _page(ticket_id=ticket_id)
