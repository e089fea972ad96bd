"""The mail page (``/mail``): folders of each account the user may use, the filtered, keyset-paged letter list
with bulk actions and saved list settings, and the reading pane (``mail_reading``). Composing is in
``mail_compose``, personal settings in ``mail_settings``, administration in ``mail_admin``.

``register(app)`` adds every mail blueprint (called once from ``webui.blueprints``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from crm.errors import AccessDenied, CrmError, NotFound, ValidationFailed
from crm.mail import letters as letter_service
from crm.mail import preferences
from crm.mail import queries as mail_queries
from crm.mail.queries import COLUMNS, DEFAULT_COLUMNS, LetterFilters
from webui.authz import role_required
from webui.safe_urls import local_target
from webui.service_messages import error_text, localized_errors
from webui.views.workplace_common import abort_for, parse_id

bp = Blueprint("mail", __name__, url_prefix="/mail")

PAGE_SIZE = 50
# Query arguments of the list that a saved view keeps (the folder and the open letter are not "settings").
FILTER_ARGS = ("q", "from", "unread", "flagged", "attach", "resp", "linked", "client", "interest", "ticket",
               "date_from", "date_to", "lead", "sort", "cols")  # fmt: skip
SCOPE_ARGS = ("folder", "account", "virtual", "scope")
BULK_ACTIONS = ("read", "unread", "flag", "unflag", "move", "delete")

VIRTUAL_LABELS = {"drafts": _l("Drafts (not sent)"), "outbox": _l("Outbox"), "sent": _l("Sent from the CRM")}
VIRTUAL_ICONS = {"drafts": "bi-pencil", "outbox": "bi-outbox", "sent": "bi-send-check"}
ROLE_LABELS = {
    "inbox": _l("Inbox"),
    "sent": _l("Sent"),
    "drafts": _l("Drafts"),
    "trash": _l("Deleted"),
    "junk": _l("Junk"),
    "archive": _l("Archive"),
}
ROLE_ICONS = {"inbox": "bi-inbox", "sent": "bi-send", "drafts": "bi-file-earmark", "trash": "bi-trash",
              "junk": "bi-exclamation-octagon", "archive": "bi-archive"}  # fmt: skip
COLUMN_LABELS = {
    "from": _l("Sender"),
    "to": _l("Recipients"),
    "date": _l("Date"),
    "size": _l("Size"),
    "attachments": _l("Files"),
    "responsible": _l("Responsible"),
    "links": _l("Linked to"),
    "account": _l("Account"),
}
RESPONSIBLE_LABELS = {"me": _l("Me"), "none": _l("Nobody"), "group": _l("My groups (to take)")}
LINK_LABELS = {"client": _l("A client"), "interest": _l("An interest"), "ticket": _l("An appeal"),
               "none": _l("Nothing")}  # fmt: skip
LEAD_LABELS = {"any": _l("Any lead letter"), "sales": _l("Leads: My sales"), "support": _l("Leads: Support")}


def register(app: Flask) -> None:
    """Every mail page: the mail workplace, composing, personal settings, administration (and the API)."""
    from webui.views import (  # noqa: F401  - their routes join bp, mail_admin.bp and the API's v1
        mail_admin,
        mail_admin_rules,
        mail_api,
        mail_compose,
        mail_reading,
        mail_settings,
    )

    app.register_blueprint(bp)
    app.register_blueprint(mail_admin.bp)


@bp.context_processor
def _section() -> dict[str, Any]:
    return {
        "active_section": "main",
        "ROLE_LABELS": ROLE_LABELS,
        "ROLE_ICONS": ROLE_ICONS,
        "VIRTUAL_LABELS": VIRTUAL_LABELS,
        "VIRTUAL_ICONS": VIRTUAL_ICONS,
        "COLUMN_LABELS": COLUMN_LABELS,
    }


@bp.app_context_processor
def _mail_badge() -> dict[str, Any]:
    return {"mail_unread_count": nav_unread_count}


def nav_unread_count() -> int:
    """Unread letters for the navigation badge (one query per request, only when the menu is drawn)."""
    if not getattr(current_user, "is_authenticated", False) or not current_user.has_role(
        "employee", "manager"
    ):
        return 0
    if "mail_unread_count" not in g:
        g.mail_unread_count = mail_queries.unread_total(current_user)
    return int(g.mail_unread_count)


@bp.app_template_filter("filesize")
def filesize(value: int | None) -> str:
    """``2.4 MB``-style size of a letter or file."""
    size = float(value or 0)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"


# --- filters -------------------------------------------------------------------------------------------------


def _flag(args: MultiDict[str, str], name: str) -> bool:
    return args.get(name, "") in ("1", "on", "true", "y")


def _date(args: MultiDict[str, str], name: str, errors: dict[str, str]) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = _("A date like 2025-03-31.")
        return None


def _choice(args: MultiDict[str, str], name: str, allowed: Any, errors: dict[str, str]) -> str:
    value = (args.get(name) or "").strip()
    if value and value not in allowed:
        errors[name] = _("Choose one of the offered values.")
        return ""
    return value


def filters_from(args: MultiDict[str, str]) -> tuple[LetterFilters, dict[str, str]]:
    """The list filters in query arguments, and an error per argument that was not understood (ignored)."""
    errors: dict[str, str] = {}
    address = (args.get("from") or "").strip()
    if address and "@" not in address:
        errors["from"] = _("An e-mail address like name@example.com.")
        address = ""
    filters = LetterFilters(
        folder_id=parse_id(args.get("folder")),
        account_id=parse_id(args.get("account")),
        virtual=_choice(args, "virtual", VIRTUAL_LABELS, errors),
        text=(args.get("q") or "").strip()[:200],
        from_address=address[:254],
        unread=_flag(args, "unread"),
        flagged=_flag(args, "flagged"),
        with_attachments=_flag(args, "attach"),
        responsible=_choice(args, "resp", RESPONSIBLE_LABELS, errors),
        linked=_choice(args, "linked", LINK_LABELS, errors),
        client_id=parse_id(args.get("client")),
        interest_id=parse_id(args.get("interest")),
        ticket_id=parse_id(args.get("ticket")),
        date_from=_date(args, "date_from", errors),
        date_to=_date(args, "date_to", errors),
        lead_scenario=_choice(args, "lead", LEAD_LABELS, errors),
        sort=_choice(args, "sort", ("newest", "oldest"), errors) or "newest",
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["date_to"] = _("The end of the period is before its start.")
        filters = replace(filters, date_to=None)
    return filters, errors


def columns_from(args: MultiDict[str, str]) -> list[str]:
    wanted = [c for c in (args.get("cols") or "").split(",") if c in COLUMNS]
    return wanted or list(DEFAULT_COLUMNS)


def kept_args(args: MultiDict[str, str], names: tuple[str, ...] = FILTER_ARGS + SCOPE_ARGS) -> dict[str, str]:
    return {name: value for name in names if (value := (args.get(name) or "").strip())}


def _scoped(filters: LetterFilters, args: MultiDict[str, str], tree: list[Any]) -> LetterFilters:
    """Without a folder, account or "all folders": the first account's inbox (what a mail client opens)."""
    if filters.folder_id or filters.account_id or filters.virtual or args.get("scope") == "all":
        return filters
    if filters.from_address or filters.client_id or filters.interest_id or filters.ticket_id:
        return filters  # "letters of this sender / record" look everywhere
    for entry in tree:
        inbox = entry.inbox()
        if inbox is not None and inbox.id is not None:
            return replace(filters, folder_id=inbox.id)
    return filters


def _timezone() -> str:
    from flask import current_app

    return getattr(current_user, "timezone", None) or current_app.config["DEFAULT_TIMEZONE"]


def load_page(filters: LetterFilters, after: str | None = None) -> mail_queries.LetterPage:
    try:
        return mail_queries.letter_page(
            current_user, filters, after=after, limit=PAGE_SIZE, timezone=_timezone()
        )
    except (AccessDenied, NotFound) as exc:
        abort_for(exc)


# --- pages ---------------------------------------------------------------------------------------------------


@bp.route("")
@role_required("employee", "manager")
def index() -> Any:
    tree = mail_queries.folder_tree(current_user)
    filters, errors = filters_from(request.args)
    filters = _scoped(filters, request.args, tree)
    try:
        page = load_page(filters)
    except ValidationFailed as exc:
        errors.update(localized_errors(exc.field_errors))
        filters = LetterFilters(folder_id=filters.folder_id, account_id=filters.account_id)
        page = load_page(filters)
    open_letter = parse_id(request.args.get("letter"))
    return render_template(
        "mail/index.html",
        tree=tree,
        filters=filters,
        filter_errors=errors,
        page=page,
        labels=mail_queries.letter_labels(page.letters),
        columns=columns_from(request.args),
        kept=kept_args(request.args),
        scope_args=kept_args(request.args, SCOPE_ARGS),
        views=preferences.list_views(current_user),
        open_letter=open_letter,
        move_targets=_move_targets(tree),
        RESPONSIBLE_LABELS=RESPONSIBLE_LABELS,
        LINK_LABELS=LINK_LABELS,
        LEAD_LABELS=LEAD_LABELS,
    )


@bp.route("/rows")
@role_required("employee", "manager")
def rows() -> Any:
    """The next page of the list ("Load more"): rows plus the next "Load more" button."""
    tree = mail_queries.folder_tree(current_user)
    filters, _errors = filters_from(request.args)
    filters = _scoped(filters, request.args, tree)
    try:
        page = load_page(filters, after=request.args.get("after") or None)
    except ValidationFailed:
        return Response(_("This list position is not valid any more; reload the page."), 400)
    return render_template(
        "mail/_rows.html",
        page=page,
        labels=mail_queries.letter_labels(page.letters),
        columns=columns_from(request.args),
        kept=kept_args(request.args),
    )


def _move_targets(tree: list[Any]) -> list[tuple[int, str]]:
    targets = []
    for entry in tree:
        for folder in entry.folders:
            if folder.id is not None:
                name = ROLE_LABELS.get(folder.role or "") or folder.name
                targets.append((folder.id, f"{entry.account.name} · {name}"))
    return targets


def _back() -> str:
    return local_target(request.form.get("next")) or url_for("mail.index")


def selected_ids(values: list[str]) -> list[int]:
    return [i for i in (parse_id(v) for v in values) if i is not None]


@bp.route("/bulk", methods=["POST"])
@role_required("employee", "manager")
def bulk() -> Response:
    """Read/unread, flag/unflag, move to a folder or delete (marks for deletion) the selected letters."""
    ids = selected_ids(request.form.getlist("ids"))
    action = request.form.get("action", "")
    if action not in BULK_ACTIONS:
        flash(_("Choose what to do with the selected letters."), "warning")
        return redirect(_back(), 303)
    if not ids:
        flash(_("Select at least one letter."), "warning")
        return redirect(_back(), 303)
    try:
        done = apply_action(action, ids, request.form.get("folder_id"))
    except (AccessDenied, NotFound):
        flash(_("Some of the selected letters are not in your mailboxes."), "danger")
    except ValidationFailed as exc:
        flash(error_text(exc), "danger")
    else:
        flash(done, "success")
    return redirect(_back(), 303)


def apply_action(action: str, ids: list[int], folder_value: str | None = None) -> str:
    """Run one list action through the letters service; the message to show."""
    if action in ("read", "unread"):
        letter_service.mark_read(current_user, ids, read=action == "read")
        return _("Marked as read.") if action == "read" else _("Marked as unread.")
    if action in ("flag", "unflag"):
        letter_service.set_flagged(current_user, ids, action == "flag")
        return _("Flag set.") if action == "flag" else _("Flag removed.")
    if action == "move":
        folder_id = parse_id(folder_value)
        if folder_id is None:
            raise ValidationFailed({"folder_id": _("Choose the folder to move the letters to.")})
        letter_service.move_letters(current_user, ids, folder_id)
        return _("Letters moved.")
    letter_service.delete_letters(current_user, ids)
    return _("Letters marked for deletion.")


@bp.route("/print")
@role_required("employee", "manager")
def print_letters() -> Response:
    """One printable page with every selected letter: its headers and body."""
    from webui.views.mail_reading import body_fragment

    letters = mail_queries.letters_for_print(current_user, selected_ids(request.args.getlist("ids")))
    files = mail_queries.attachment_names([m.id for m in letters])
    bodies = {m.id: body_fragment(m, allow_remote_images=False).html for m in letters}
    page = render_template("mail/print.html", letters=letters, files=files, bodies=bodies)
    resp = Response(page, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = "img-src 'self' data:"  # letters' remote images stay blocked
    return resp


# --- saved list settings (SPEC #41) --------------------------------------------------------------------------


@bp.route("/views", methods=["POST"])
@role_required("employee", "manager")
def view_save() -> Response:
    """Save the current filters, sort and columns under a name (a view of that name is replaced)."""
    current = MultiDict(list(request.form.items(multi=True)))
    settings = {
        "filters": kept_args(current, tuple(a for a in FILTER_ARGS if a not in ("sort", "cols"))),
        "sort": current.get("sort") or "newest",
        "columns": columns_from(current),
    }
    try:
        view = preferences.save_list_view(current_user, request.form.get("name", ""), settings)
    except ValidationFailed as exc:
        flash(_("The list settings were not saved: %(why)s", why=error_text(exc)), "danger")
        return redirect(_back(), 303)
    flash(_("List settings saved as “%(name)s”.", name=view.name), "success")
    return redirect(url_for("mail.view_load", view_id=view.id), 303)


@bp.route("/views/<int:view_id>")
@role_required("employee", "manager")
def view_load(view_id: int) -> Response:
    """Open the list with a saved view's settings (in the current folder, if one is given)."""
    try:
        view = preferences.get_list_view(current_user, view_id)
    except CrmError as exc:
        abort_for(exc)
    settings = view.settings or {}
    args = {k: str(v) for k, v in (settings.get("filters") or {}).items() if k in FILTER_ARGS}
    if settings.get("sort") in ("newest", "oldest"):
        args["sort"] = settings["sort"]
    columns = [c for c in settings.get("columns") or [] if c in COLUMNS]
    if columns:
        args["cols"] = ",".join(columns)
    args.update(kept_args(request.args, SCOPE_ARGS))
    args["view"] = str(view.id)
    return redirect(url_for("mail.index") + "?" + urlencode(args))


@bp.route("/views/<int:view_id>/delete", methods=["POST"])
@role_required("employee", "manager")
def view_delete(view_id: int) -> Response:
    try:
        preferences.delete_list_view(current_user, view_id)
    except CrmError as exc:
        abort_for(exc)
    flash(_("Saved list settings deleted."), "success")
    return redirect(_back(), 303)
