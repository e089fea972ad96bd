"""The reading pane of the mail page: one letter's headers, its cleaned body in a sandboxed iframe, its files,
its links to the client / interest / appeal, take or reject for letters assigned to a group (SPEC #41), reply /
reply all / forward, and "show all letters of the sender" (SPEC #41)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.errors import AccessDenied, CrmError, NotFound, ValidationFailed
from crm.mail import letters as letter_service
from crm.mail import queries as mail_queries
from crm.mail.models import MailMessage
from webui.authz import role_required
from webui.service_messages import error_text
from webui.views.mail import bp
from webui.views.mail_render import RenderedBody, clean_letter_html, letter_document, text_as_html
from webui.views.workplace_common import abort_for, is_htmx

# Files a browser may show in place (images in a letter); anything else is always downloaded.
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")
LETTER_ACTIONS = ("read", "unread", "flag", "unflag", "delete", "move")


def body_fragment(letter: MailMessage, *, allow_remote_images: bool) -> RenderedBody:
    """The letter's body as safe HTML: the cleaned HTML part, else the text part made into HTML."""
    if letter.html_body:
        inline = mail_queries.inline_images(letter.id)

        def inline_url(content_id: str) -> str | None:
            ident = inline.get(content_id)
            return url_for("mail.attachment", attachment_id=ident, inline=1) if ident else None

        return clean_letter_html(letter.html_body, inline_url=inline_url)
    return RenderedBody(text_as_html(letter.text_body or ""), 0)


def _pane(letter: MailMessage, *, status: int = 200, message: str = "") -> Any:
    images = request.args.get("images") == "1"
    body = body_fragment(letter, allow_remote_images=images)
    labels = mail_queries.letter_labels([letter])
    group_ids = {g.id for g in current_user.groups}
    mailbox_user = letter.account_id in mail_queries.usable_account_ids(current_user)
    context = {
        "letter": letter,
        "document": letter_document(
            body.html, allow_remote_images=images, font_family=letter.font_family, font_size=letter.font_size
        ),
        "remote_images": body.remote_images,
        "images_shown": images,
        "attachments": mail_queries.attachments_of(letter.id),
        "labels": labels,
        "can_take": letter.responsible_id is None and letter.responsible_group_id in group_ids,
        "can_reject": letter.responsible_group_id is not None
        and (letter.responsible_id in (None, current_user.id)),
        "message": message,
        # Moving and deleting are mailbox work: only for the users of the letter's mailbox (others may read a
        # letter linked to a record they see).
        "folders": mail_queries.account_folders(letter.account_id) if mailbox_user else [],
        "mailbox_user": mailbox_user,
    }
    if is_htmx():
        return render_template("mail/_letter.html", **context), status
    return render_template("mail/letter_page.html", **context), status


def _letter_or_abort(letter_id: int) -> MailMessage:
    try:
        return letter_service.get_letter(current_user, letter_id)
    except CrmError as exc:
        abort_for(exc)


@bp.route("/letters/<int:letter_id>")
@role_required("employee", "manager")
def letter(letter_id: int) -> Any:
    """The reading pane (htmx) or a page of its own; opening an unread letter marks it read."""
    found = _letter_or_abort(letter_id)
    if not found.is_read:
        letter_service.mark_read(current_user, [found.id], read=True)
        found = _letter_or_abort(letter_id)
    return _pane(found)


@bp.route("/letters/<int:letter_id>/<action>", methods=["POST"])
@role_required("employee", "manager")
def letter_action(letter_id: int, action: str) -> Any:
    """Read/unread, flag/unflag, move or delete one letter from the reading pane."""
    from webui.views.mail import apply_action

    if action not in LETTER_ACTIONS:
        abort(404)
    _letter_or_abort(letter_id)
    try:
        done = apply_action(action, [letter_id], request.form.get("folder_id"))
    except (AccessDenied, NotFound) as exc:
        abort_for(exc)
    except ValidationFailed as exc:
        return _pane(_letter_or_abort(letter_id), status=422, message=error_text(exc))
    return _pane(_letter_or_abort(letter_id), message=done)


@bp.route("/letters/<int:letter_id>/take", methods=["POST"])
@role_required("employee", "manager")
def take(letter_id: int) -> Any:
    """Take a letter waiting in one of my groups: I become its Responsible."""
    return _responsibility_change(
        letter_service.take_letter, letter_id, _("You are now responsible for this letter.")
    )


@bp.route("/letters/<int:letter_id>/reject", methods=["POST"])
@role_required("employee", "manager")
def reject(letter_id: int) -> Any:
    """Reject a letter assigned to a group; by SPEC #41 the rejecting user becomes its Responsible."""
    return _responsibility_change(
        letter_service.reject_letter, letter_id, _("Letter rejected: you are recorded as its Responsible.")
    )


def _responsibility_change(change: Callable[[Any, int], Any], letter_id: int, done: str) -> Any:
    """Run ``change`` (take or reject) and answer with the reading pane: its message, or why not (409)."""
    try:
        change(current_user, letter_id)
    except (AccessDenied, NotFound) as exc:
        abort_for(exc)
    except ValidationFailed as exc:
        return _pane(_letter_or_abort(letter_id), status=409, message=error_text(exc))
    return _pane(_letter_or_abort(letter_id), message=done)


@bp.route("/attachments/<int:attachment_id>")
@role_required("employee", "manager")
def attachment(attachment_id: int) -> Response:
    """A letter's file; images shown in place (``inline=1``), everything else downloaded."""
    try:
        found = mail_queries.attachment_by_id(attachment_id)
        letter_service.get_letter(current_user, found.message_id)  # may this user open its letter?
    except CrmError as exc:
        abort_for(exc)
    inline = request.args.get("inline") == "1" and found.content_type.lower() in INLINE_TYPES
    resp = Response(found.content, mimetype=found.content_type if inline else "application/octet-stream")
    resp.headers.set(
        "Content-Disposition", "inline" if inline else "attachment", filename=found.filename or "attachment"
    )
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


@bp.route("/letters/<int:letter_id>/eml")
@role_required("employee", "manager")
def eml(letter_id: int) -> Response:
    """The letter exactly as received or sent, as an .eml file."""
    found = _letter_or_abort(letter_id)
    raw = mail_queries.raw_bytes(found)
    if raw is None:
        abort(404)
    resp = Response(raw, mimetype="message/rfc822")
    resp.headers.set("Content-Disposition", "attachment", filename=f"letter-{found.id}.eml")
    return resp


@bp.route("/sender")
@role_required("employee", "manager")
def sender() -> Response:
    """ "Show all letters from sender": the matching contact's / client's / potential client's card with its
    Feed filtered to letters, or the letter list filtered by the address when no card matches."""
    address = (request.args.get("address") or "").strip()
    try:
        target = mail_queries.sender_target(current_user, address)
    except ValidationFailed:
        flash(_("This is not an e-mail address: %(address)s", address=address[:254]), "warning")
        return redirect(url_for("mail.index"), 303)
    if target.kind in ("contact", "client"):
        return redirect(
            url_for("clients.card", client_id=target.client_id, feed="letter")
            + f"#feed-client-{target.client_id}"
        )
    if target.kind == "lead":
        return redirect(
            url_for("leads.card", lead_id=target.lead_id, feed="letter") + f"#feed-lead-{target.lead_id}"
        )
    return redirect(url_for("mail.index", **{"from": target.address, "scope": "all"}))
