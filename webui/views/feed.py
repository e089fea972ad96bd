"""The Feed partial shared by the client, contact, interest and ticket cards, and its htmx paging endpoint.

Cards include ``feed/_feed.html`` with these variables::

    {% with feed_page=feed_page, feed_owner="interest", feed_owner_id=interest.id %}
      {% include "feed/_feed.html" %}
    {% endwith %}

``feed_page`` is a ``crm.feed.services.FeedPage`` (``load_feed`` below builds one), ``feed_owner`` one of
``OWNERS``; optional ``feed_kind`` marks the active kind chip. The partial pages on with "Load more"
(keyset cursor) and filters by kind through ``GET /feed/<owner>/<id>`` without reloading the card.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.feed.errors import FeedScopeInvalid
from crm.feed.services import FeedPage, feed_for
from crm.workplaces_clients import note_bodies
from webui.authz import role_required

bp = Blueprint("feed", __name__, url_prefix="/feed")

OWNERS = ("client", "contact", "lead", "interest", "ticket")
PAGE_SIZE = 20

# Kind chips above a Feed: (query value, label); "" shows everything.
KIND_CHIPS: tuple[tuple[str, Any], ...] = (
    ("", _l("All")),
    ("note", _l("Notes")),
    ("letter", _l("Letters")),
    ("call", _l("Calls")),
    ("meeting", _l("Meetings")),
    ("message", _l("Messages")),
    ("interest", _l("Interests")),
    ("ticket", _l("Appeals")),
    ("proposal", _l("Proposals")),
    ("process", _l("Processes")),
)

KIND_LABELS: dict[str, Any] = {
    "note": _l("Note"),
    "call": _l("Call"),
    "meeting": _l("Meeting"),
    "letter": _l("Letter"),
    "mail": _l("Letter"),
    "message": _l("Message"),
    "interest": _l("Interest"),
    "ticket": _l("Appeal"),
    "proposal": _l("Commercial proposal"),
    "lead": _l("Potential client"),
    "task": _l("Task"),
    "instance_started": _l("Process started"),
    "instance_completed": _l("Process completed"),
    "instance_cancelled": _l("Process cancelled"),
    "task_completed": _l("Step completed"),
    "variant_chosen": _l("Variant chosen"),
    "timer_fired": _l("Timer fired"),
    "message_received": _l("Message received"),
    "incident_opened": _l("Incident"),
    "incident_resolved": _l("Incident resolved"),
    "error": _l("Process error"),
}

KIND_ICONS = {
    "note": "bi-sticky", "call": "bi-telephone", "meeting": "bi-people", "letter": "bi-envelope",
    "mail": "bi-envelope-at",
    "message": "bi-chat-dots", "interest": "bi-briefcase", "ticket": "bi-life-preserver",
    "proposal": "bi-file-earmark-text", "lead": "bi-person-plus", "task": "bi-check2-square",
    "variant_chosen": "bi-signpost-split", "error": "bi-exclamation-octagon",
    "incident_opened": "bi-exclamation-triangle",
}  # fmt: skip

F = TypeVar("F", bound=Callable[..., Any])


def crm_errors_as_http(view: F) -> F:
    """Turn domain errors into the error pages: AccessDenied → 403, NotFound → 404 (never a trace)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except AccessDenied:
            abort(403)
        except NotFound:
            abort(404)

    return wrapped  # type: ignore[return-value]


def kinds_from(value: str | None) -> list[str] | None:
    """``"letter"`` or ``"note,call"`` from a query string → the kinds for ``feed_for`` (None = all)."""
    kinds = [k.strip() for k in (value or "").split(",") if k.strip()]
    return kinds or None


def load_feed(
    owner: str, owner_id: int, *, kinds: list[str] | None = None, before: str | None = None
) -> FeedPage:
    """One Feed page of a card for the current user (``AccessDenied``/``NotFound``/``ValidationFailed``)."""
    if owner not in OWNERS:
        raise NotFound(f"no Feed of {owner}")
    return feed_for(current_user, **{f"{owner}_id": owner_id}, kinds=kinds, before=before, limit=PAGE_SIZE)


@bp.app_context_processor
def _feed_helpers() -> dict[str, Any]:
    def feed_note_bodies(page: FeedPage) -> dict[int, str]:
        return note_bodies(i.ref_id for i in page.entries if i.kind == "note" and i.ref_id is not None)

    return {
        "feed_note_bodies": feed_note_bodies,
        "FEED_KIND_CHIPS": KIND_CHIPS,
        "FEED_KIND_LABELS": KIND_LABELS,
        "FEED_KIND_ICONS": KIND_ICONS,
    }


@bp.route("/<owner>/<int:owner_id>")
@role_required("employee", "manager")
@crm_errors_as_http
def page(owner: str, owner_id: int) -> str:
    """With ``before``: the next entries (replacing the "Load more" button); without: the whole Feed block
    for the kind chosen by ``kinds`` (a chip click)."""
    kind = request.args.get("kinds", "")
    before = request.args.get("before") or None
    try:
        feed_page = load_feed(owner, owner_id, kinds=kinds_from(kind), before=before)
    except (ValidationFailed, FeedScopeInvalid):
        abort(400)
    template = "feed/_entries.html" if before else "feed/_feed.html"
    return render_template(
        template, feed_page=feed_page, feed_owner=owner, feed_owner_id=owner_id, feed_kind=kind
    )


@bp.app_template_filter("feed_instant")
def feed_instant(value: str | None) -> str:
    """An ISO instant stored in Feed details, shown in the reader's time zone."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:  # instants are stored in UTC; astimezone() would take the server's own zone
        moment = moment.replace(tzinfo=UTC)
    zone = getattr(current_user, "timezone", None) or current_app.config["DEFAULT_TIMEZONE"]
    return format_datetime(moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None), "short")
