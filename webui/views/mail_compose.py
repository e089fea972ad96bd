"""Writing a letter: new, reply, reply all, forward, from a client / interest / appeal card, or a saved draft.

The page has the account (with the user's sender name, SPEC #33), To/Cc/Bcc, the subject, a small HTML editor
(its font from the personal or company default, SPEC #36), the signature picker (autotext filled in, SPEC #39),
file uploads (the account's size limit, SPEC #41), "Add letter" — any incoming or outgoing letters as .eml
attachments (SPEC #31) — and "Add files from interests/appeals" (SPEC #32). The services in
``crm.mail.compose`` check and send; their field errors are shown next to the fields.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.deals.services import get_interest
from crm.errors import CrmError, NotFound, ValidationFailed
from crm.mail import compose as compose_service
from crm.mail import letters as letter_service
from crm.mail import queries as mail_queries
from crm.mail import signatures as signature_service
from crm.mail.addresses import format_recipients
from crm.mail.models import STATUS_DRAFT, STATUS_SENT
from crm.mail.outgoing import sender_name_for
from crm.support.services import get_ticket
from webui.authz import role_required
from webui.safe_urls import local_referrer, local_target
from webui.service_messages import localize
from webui.views.mail import bp, selected_ids
from webui.views.mail_forms import FONT_FAMILIES, FONT_SIZES, ComposeForm, attach_errors
from webui.views.mail_render import clean_letter_html
from webui.views.workplace_common import abort_for, parse_id

LINK_ARGS = ("client", "interest", "ticket")
# Service field names shown next to a part of the page that is not a form field.
PAGE_ERRORS = ("eml_letter_ids", "letter", "linked_file_keys", "drop_attachment_ids", "reply_to_letter_id",
               "forward_of_letter_id", "client_id", "interest_id", "ticket_id", "lead_id", "contact_id")  # fmt: skip


def _accounts() -> list[Any]:
    return mail_queries.accounts_for_user(current_user)


def _form(accounts: list[Any]) -> ComposeForm:
    form = ComposeForm()
    form.account_id.choices = [
        (a.id, f"{sender_name_for(current_user.id, a)} <{a.email_address}>") for a in accounts
    ]
    form.signature_id.choices = [(0, _("No signature"))] + [
        (s.id, s.name + ("" if s.owner_id is None else " " + _("(mine)")))
        for s in signature_service.list_signatures(current_user)
    ]
    return form


def _editor_html(raw: str) -> str:
    """What goes into the editor on our own page: cleaned like a letter (its quote may hold anything)."""
    return clean_letter_html(raw).html


def _wrap_signature(body: str, signature_html: str) -> str:
    """Mark the signature inside the starting text so the picker can swap it for another one."""
    if signature_html and signature_html in body:
        return body.replace(signature_html, f'<div data-signature="1">{signature_html}</div>', 1)
    return body


def _defaults(form: ComposeForm, account_id: int) -> dict[str, Any]:
    args = request.args
    defaults = compose_service.new_letter_defaults(
        current_user,
        account_id,
        reply_to_letter_id=parse_id(args.get("reply")),
        reply_all=args.get("all") == "1",
        forward_of_letter_id=parse_id(args.get("forward")),
        interest_id=parse_id(args.get("interest")),
        ticket_id=parse_id(args.get("ticket")),
        client_id=parse_id(args.get("client")),
    )
    for name in ("to", "cc", "bcc", "subject", "font_family", "font_size"):
        getattr(form, name).data = defaults.get(name) or ""
    form.account_id.data = defaults["account_id"]
    form.signature_id.data = defaults.get("signature_id") or 0
    for name in ("reply_to_letter_id", "forward_of_letter_id", "client_id", "interest_id", "ticket_id"):
        getattr(form, name).data = defaults.get(name) or ""
    html = _editor_html(defaults.get("html") or "")
    if defaults.get("signature_id"):
        html = _wrap_signature(html, _signature_html(defaults["signature_id"], form))
    form.html.data = html
    return defaults


def _from_draft(form: ComposeForm, letter: Any) -> None:
    form.account_id.data = letter.account_id
    form.to.data = format_recipients(letter.to_addresses or [])
    form.cc.data = format_recipients(letter.cc_addresses or [])
    form.bcc.data = format_recipients(letter.bcc_addresses or [])
    form.subject.data = letter.subject
    form.html.data = _editor_html(letter.html_body or "")
    form.font_family.data, form.font_size.data = letter.font_family, letter.font_size
    form.signature_id.data = 0
    form.draft_id.data = letter.id
    for name in ("client_id", "interest_id", "ticket_id"):
        getattr(form, name).data = getattr(letter, name) or ""


def _own_draft(letter_id: int) -> Any:
    try:
        letter = letter_service.get_letter(current_user, letter_id)
    except CrmError as exc:
        abort_for(exc)
    if letter.status != STATUS_DRAFT or letter.created_by_id != current_user.id:
        abort_for(NotFound(f"no draft {letter_id}"))
    return letter


def _start_account(accounts: list[Any]) -> int:
    """The account a new letter starts from: asked for, else the answered letter's, else the first one."""
    usable = {a.id for a in accounts}
    asked = parse_id(request.args.get("account"))
    if asked in usable:
        return asked  # type: ignore[return-value]
    for name in ("reply", "forward"):
        letter_id = parse_id(request.args.get(name))
        if letter_id:
            try:
                original = letter_service.get_letter(current_user, letter_id)
            except CrmError as exc:
                abort_for(exc)
            if original.account_id in usable:
                return original.account_id
    return accounts[0].id


def _int_or_none(value: Any) -> int | None:
    return parse_id(value)


def _draft(form: ComposeForm) -> compose_service.LetterDraft:
    files = [
        (f.filename or "file", f.mimetype or "application/octet-stream", f.read())
        for f in request.files.getlist(form.attachments.name)
        if f and f.filename
    ]
    return compose_service.LetterDraft(
        account_id=form.account_id.data or 0,
        to=form.to.data or "",
        cc=form.cc.data or "",
        bcc=form.bcc.data or "",
        subject=form.subject.data or "",
        html=form.html.data or "",
        reply_to_letter_id=_int_or_none(form.reply_to_letter_id.data),
        forward_of_letter_id=_int_or_none(form.forward_of_letter_id.data),
        eml_letter_ids=tuple(selected_ids(request.form.getlist("eml_letter_ids"))),
        attachments=tuple(files),
        include_linked_files=bool(form.include_linked_files.data),
        linked_file_keys=tuple(request.form.getlist("linked_file_keys"))
        if form.include_linked_files.data
        else None,
        drop_attachment_ids=tuple(selected_ids(request.form.getlist("drop_attachment_ids"))),
        interest_id=_int_or_none(form.interest_id.data),
        ticket_id=_int_or_none(form.ticket_id.data),
        client_id=_int_or_none(form.client_id.data),
        font_family=form.font_family.data or "",
        font_size=form.font_size.data or "",
    )


def _next_url() -> str:
    """Where to go after sending: back to the card the letter was written from (never off this site)."""
    given = local_target(request.values.get("next"))
    if given or request.method == "POST":
        return given or ""
    referrer = local_referrer() or ""
    return "" if referrer.startswith(url_for("mail.index")) else referrer


def _render(form: ComposeForm, accounts: list[Any], status: int = 200, **extra: Any) -> Response:
    draft_id = parse_id(form.draft_id.data)
    eml_ids = selected_ids(request.form.getlist("eml_letter_ids")) if request.method == "POST" else []
    forward_id = parse_id(form.forward_of_letter_id.data)
    context = {
        "form": form,
        "accounts": accounts,
        "limits": {a.id: a.max_attachments_mb for a in accounts},
        "eml_letters": mail_queries.usable_letters(current_user, eml_ids),
        "stored_files": mail_queries.attachments_of(draft_id) if draft_id else [],
        "forward_files": mail_queries.attachments_of(forward_id) if forward_id and not draft_id else [],
        "dropped": set(selected_ids(request.form.getlist("drop_attachment_ids"))),
        "FONT_FAMILIES": FONT_FAMILIES,
        "FONT_SIZES": FONT_SIZES,
        "next_url": _next_url(),
        "page_errors": {},
        "uploaded_lost": False,
        **extra,
    }
    resp = Response(render_template("mail/compose.html", **context), status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = (
        "img-src 'self' data:"  # a quoted letter's remote images stay out
    )
    return resp


@bp.route("/compose", methods=["GET", "POST"])
@role_required("employee", "manager")
def compose() -> Any:
    accounts = _accounts()
    if not accounts:
        return render_template("mail/no_account.html"), 200
    form = _form(accounts)
    if request.method == "GET":
        draft_id = parse_id(request.args.get("draft"))
        try:
            if draft_id:
                _from_draft(form, _own_draft(draft_id))
            else:
                _defaults(form, _start_account(accounts))
        except CrmError as exc:
            abort_for(exc)
        return _render(form, accounts)
    if not form.validate_on_submit():
        return _render(form, accounts, 422)
    draft = _draft(form)
    letter_id = parse_id(form.draft_id.data)
    try:
        if request.form.get("action") == "draft":
            saved = compose_service.save_draft(current_user, draft, letter_id)
        else:
            sent = compose_service.send_letter(current_user, draft, letter_id)
    except ValidationFailed as exc:
        page_errors = {k: localize(v) for k, v in exc.field_errors.items() if k in PAGE_ERRORS}
        rest = ValidationFailed({k: v for k, v in exc.field_errors.items() if k not in PAGE_ERRORS})
        loose = attach_errors(form, rest)
        for message in loose:
            flash(message, "danger")
        return _render(form, accounts, 422, page_errors=page_errors, uploaded_lost=bool(draft.attachments))
    except CrmError as exc:
        abort_for(exc)
    if request.form.get("action") == "draft":
        flash(_("Draft saved."), "success")
        return redirect(url_for("mail.compose", draft=saved.id), 303)
    flash(
        _(
            "The letter is queued and goes out in a moment: %(subject)s",
            subject=sent.subject or _("(no subject)"),
        ),
        "success",
    )
    back = local_target(request.form.get("next"))
    if sent.folder_id:  # already sent and filed in the server's Sent folder
        where = url_for("mail.index", folder=sent.folder_id)
    else:
        virtual = "sent" if sent.status == STATUS_SENT else "outbox"
        where = url_for("mail.index", account=sent.account_id, virtual=virtual)
    return redirect(back or where, 303)


# --- helpers the page calls ------------------------------------------------------------------------------------


def _signature_html(signature_id: int, form: ComposeForm | None = None) -> str:
    """A signature with its autotext filled for this letter (its reply, interest, appeal, client)."""
    values = request.values
    try:
        signature = signature_service.get_signature(current_user, signature_id)
        reply_id = parse_id(form.reply_to_letter_id.data if form else values.get("reply"))
        interest_id = parse_id(form.interest_id.data if form else values.get("interest"))
        ticket_id = parse_id(form.ticket_id.data if form else values.get("ticket"))
        client_id = parse_id(form.client_id.data if form else values.get("client"))
        reply = letter_service.get_letter(current_user, reply_id) if reply_id else None
        interest = get_interest(current_user, interest_id) if interest_id else None
        ticket = get_ticket(current_user, ticket_id) if ticket_id else None
    except CrmError as exc:
        abort_for(exc)
    rendered = signature_service.render_signature(
        signature, user=current_user, letter=reply, interest=interest, ticket=ticket, client_id=client_id
    )
    return _editor_html(rendered)


@bp.route("/compose/signature")
@role_required("employee", "manager")
def compose_signature() -> Response:
    """The chosen signature's HTML for the editor (empty for "no signature")."""
    signature_id = parse_id(request.args.get("signature_id"))
    html = _signature_html(signature_id) if signature_id else ""
    return Response(html, mimetype="text/html")


@bp.route("/compose/picker")
@role_required("employee", "manager")
def compose_picker() -> Any:
    """Rows of the "Add letter" picker: every incoming and outgoing letter, searchable, paged on."""
    try:
        page = mail_queries.picker_page(
            current_user, (request.args.get("q") or "").strip()[:200], after=request.args.get("after") or None
        )
    except ValidationFailed:
        return Response(_("This list position is not valid any more; search again."), 400)
    return render_template(
        "mail/_picker_rows.html",
        page=page,
        labels=mail_queries.letter_labels(page.letters),
        q=request.args.get("q", ""),
        appending=bool(request.args.get("after")),
    )


@bp.route("/compose/linked-files")
@role_required("employee", "manager")
def compose_linked_files() -> Any:
    """The files "Add files from interests/appeals" would attach (SPEC #32), each with a checkbox."""
    values = request.args
    draft = compose_service.LetterDraft(
        account_id=0,
        to="",
        reply_to_letter_id=parse_id(values.get("reply")),
        interest_id=parse_id(values.get("interest")),
        ticket_id=parse_id(values.get("ticket")),
    )
    try:
        files = compose_service.linked_files(current_user, draft)
    except CrmError as exc:
        abort_for(exc)
    return render_template("mail/_linked_files.html", files=files)
