"""Client base settings → business regions and client segments: a filtered, paged list beside one form.

Both pages share one flow (``_directory_page``, ``_delete``); a ``Directory`` names what differs. A row that
cards use is never deleted: the edit form says how many cards use it instead of offering the button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.clients import directories
from crm.clients.directories import DirectoryInUse, Usage
from crm.errors import NotFound, ValidationFailed
from webui.authz import role_required
from webui.views.crm_admin import PER_PAGE, bp, field_errors, not_found, page_arg


@dataclass(frozen=True)
class Directory:
    endpoint: str
    template: str
    id_arg: str
    fields: dict[str, str]  # form field -> value for a new entry
    get: Callable[[int], Any]
    listing: Callable[..., tuple[list[directories.DirectoryRow], int]]
    usage: Callable[[int], Usage]
    save: Callable[..., Any]
    delete: Callable[[Any, int], None]
    missing: Any  # lazy messages: translated when shown
    saved: Any
    deleted: Any
    in_use: Any  # with %(clients)s and %(leads)s


REGIONS = Directory(
    endpoint="crm_admin.regions",
    template="crm_admin/regions.html",
    id_arg="region_id",
    fields={"name": "", "timezone": directories.DEFAULT_TIMEZONE},
    get=directories.get_region,
    listing=directories.list_regions,
    usage=directories.region_usage,
    save=directories.save_region,
    delete=directories.delete_region,
    missing=_l("There is no such business region."),
    saved=_l("Business region saved."),
    deleted=_l("Business region deleted."),
    in_use=_l(
        "Client cards in this region: %(clients)s; potential clients: %(leads)s. "
        "It cannot be deleted until they are moved to another region."
    ),
)
SEGMENTS = Directory(
    endpoint="crm_admin.segments",
    template="crm_admin/segments.html",
    id_arg="segment_id",
    fields={"name": "", "description": ""},
    get=directories.get_segment,
    listing=directories.list_segments,
    usage=directories.segment_usage,
    save=directories.save_segment,
    delete=directories.delete_segment,
    missing=_l("There is no such segment."),
    saved=_l("Segment saved."),
    deleted=_l("Segment deleted."),
    in_use=_l(
        "Client cards in this segment: %(clients)s. It cannot be deleted until they are moved to another segment."
    ),
)


def in_use_message(directory: Directory, usage: Usage) -> str:
    return str(directory.in_use) % {"clients": usage.clients, "leads": usage.leads}


@bp.route("/regions", methods=["GET", "POST"])
@bp.route("/regions/<int:region_id>", methods=["GET", "POST"])
@role_required("administrator")
def regions(region_id: int | None = None) -> str | Response | tuple[str, int]:
    return _directory_page(REGIONS, region_id, local_time=directories.local_time, zone_options=zone_options)


@bp.route("/regions/<int:region_id>/delete", methods=["POST"])
@role_required("administrator")
def region_delete(region_id: int) -> Response | tuple[str, int]:
    return _delete(REGIONS, region_id)


@bp.route("/segments", methods=["GET", "POST"])
@bp.route("/segments/<int:segment_id>", methods=["GET", "POST"])
@role_required("administrator")
def segments(segment_id: int | None = None) -> str | Response | tuple[str, int]:
    return _directory_page(SEGMENTS, segment_id)


@bp.route("/segments/<int:segment_id>/delete", methods=["POST"])
@role_required("administrator")
def segment_delete(segment_id: int) -> Response | tuple[str, int]:
    return _delete(SEGMENTS, segment_id)


def _directory_page(
    directory: Directory, entry_id: int | None, **context: Any
) -> str | Response | tuple[str, int]:
    editing = None
    if entry_id is not None:
        try:
            editing = directory.get(entry_id)
        except NotFound:
            return not_found(str(directory.missing))
    form = {k: getattr(editing, k) if editing else default for k, default in directory.fields.items()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form.update({k: request.form.get(k, "") for k in directory.fields})
        try:
            directory.save(current_user, **form, **{directory.id_arg: entry_id})
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            flash(str(directory.saved), "success")
            return redirect(url_for(directory.endpoint))
    args = {k: v for k in ("name",) if (v := request.args.get(k, "").strip())}
    page = page_arg()
    rows, total = directory.listing(**args, page=page, per_page=PER_PAGE)
    usage = directory.usage(entry_id) if editing is not None and entry_id is not None else None
    html = render_template(
        directory.template,
        rows=rows, total=total, page=page, per_page=PER_PAGE, args=args, form=form, errors=errors,
        editing=editing, usage=usage, in_use=in_use_message(directory, usage) if usage and usage.in_use else "",
        **context,
    )  # fmt: skip
    return (html, 400) if errors else html


def _delete(directory: Directory, entry_id: int) -> Response | tuple[str, int]:
    try:
        directory.delete(current_user, entry_id)
    except NotFound:
        return not_found(str(directory.missing))
    except DirectoryInUse as exc:
        flash(in_use_message(directory, exc.usage), "danger")
        back: dict[str, Any] = {directory.id_arg: entry_id}
        return redirect(url_for(directory.endpoint, **back))
    flash(str(directory.deleted), "success")
    return redirect(url_for(directory.endpoint))


def zone_options(current: str) -> list[str]:
    """The zones of the select, keeping a stored zone the list does not offer."""
    zones = list(directories.time_zones())
    return zones if current in zones or not current else [current, *zones]
