"""Writing a letter: what a new letter, reply or forward starts with, and sending or saving what the user wrote.

``new_letter_defaults`` fills the editor: recipients, the subject with the appeal number (SPEC #41), the
user's font (SPEC #36), the signature with autotext filled in (SPEC #39) and the quoted original.
``send_letter`` checks the recipients and the files, adds the letters chosen as .eml attachments (SPEC #31)
and the files of the linked interest/appeal (SPEC #32), enforces the account's attachment limit (SPEC #41),
writes From with the user's personal sender name (SPEC #33), links the letter to its interest/appeal/client
and their Feeds, and queues it in the outbox in one commit; the outbox job sends it after that commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from crm.accounts.models import User
from crm.activities.notes import ensure_can_view_target
from crm.activities.sanitize import sanitize_note_html
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.links import link_ids, resolve_links
from crm.mail.accounts import can_use_account
from crm.mail.addresses import format_recipients, parse_recipients
from crm.mail.autotext import AutotextContext, appeal_number_of, render_autotext, with_appeal_number
from crm.mail.linked_files import LinkedFile, linked_files_for
from crm.mail.models import STATUS_DRAFT, MailAccount, MailAttachment, MailMessage
from crm.mail.outgoing import (
    LINK_KEYS,
    OutgoingDraft,
    OutgoingFile,
    client_address,
    create_outgoing_letter,
    fill_letter,
    sender_name_for,
    store_files,
    with_font,
)
from crm.mail.preferences import clean_font, effective_font
from crm.mail.quoting import (
    forward_block_html,
    forward_subject,
    reply_all_cc,
    reply_quote_html,
    reply_subject,
    thread_headers,
)
from crm.mail.signatures import render_signature, signature_for
from crm.messages import N_, Message
from engine.db import db, utcnow

MB = 1024 * 1024
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass
class LetterDraft:
    """What the user wrote. ``attachments`` are uploaded files ``(filename, content_type, bytes)``."""

    account_id: int
    to: str
    cc: str = ""
    bcc: str = ""
    subject: str = ""
    html: str = ""
    reply_to_letter_id: int | None = None
    forward_of_letter_id: int | None = None
    eml_letter_ids: Sequence[int] = ()
    attachments: Sequence[tuple[str, str, bytes]] = ()
    include_linked_files: bool = False
    interest_id: int | None = None
    ticket_id: int | None = None
    client_id: int | None = None
    font_family: str = ""
    font_size: str = ""
    lead_id: int | None = None
    contact_id: int | None = None
    # Of the linked files, only these keys (``LinkedFile.key``); None = all of them.
    linked_file_keys: Sequence[str] | None = None
    # Files of the saved draft being sent that the user removed.
    drop_attachment_ids: Sequence[int] = field(default_factory=tuple)


def usable_account(user: User, account_id: int) -> MailAccount:
    """An active account ``user`` writes from (``NotFound`` / ``AccessDenied``)."""
    account = db.session.get(MailAccount, account_id) if account_id else None
    if account is None:
        raise NotFound(f"mail account {account_id} not found")
    if not can_use_account(user, account):
        raise AccessDenied(N_("you do not write from this mail account"))
    return account


def usable_letter(user: User, letter_id: int) -> MailMessage:
    """A letter of an account ``user`` uses (someone else's draft is not one)."""
    letter = db.session.get(MailMessage, letter_id)
    if letter is None or (letter.status == STATUS_DRAFT and letter.created_by_id != user.id):
        raise NotFound(f"letter {letter_id} not found")
    account = db.session.get(MailAccount, letter.account_id)
    if account is None or not can_use_account(user, account):
        raise AccessDenied(N_("this letter belongs to a mail account you do not use"))
    return letter


def _own_draft(user: User, letter_id: int) -> MailMessage:
    letter = db.session.get(MailMessage, letter_id)
    if letter is None or letter.created_by_id != user.id:
        raise NotFound(f"draft {letter_id} not found")
    if letter.status != STATUS_DRAFT:
        raise ValidationFailed(
            {"letter": Message(N_("the letter is %(status)s, not a draft"), status=letter.status)}
        )
    return letter


def _links(user: User, draft: LetterDraft, original: MailMessage | None) -> dict[str, int | None]:
    given = {key: getattr(draft, key) for key in LINK_KEYS}
    if any(given.values()):
        rows = resolve_links(given, keys=("client", "contact", "lead", "interest", "ticket"))
        ensure_can_view_target(user, rows)
        return link_ids(rows)
    if original is not None:
        return {key: getattr(original, key) for key in LINK_KEYS}
    return {key: None for key in LINK_KEYS}


def _clean_filename(name: str, fallback: str = "attachment") -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(_UNSAFE_NAME.sub("_", name).split()).strip(". ")
    return name[:200] or fallback


def _eml_files(user: User, letter_ids: Sequence[int]) -> list[OutgoingFile]:
    from crm.mail.models import MailRawMessage

    files = []
    for letter_id in dict.fromkeys(letter_ids):
        letter = usable_letter(user, letter_id)
        raw = db.session.get(MailRawMessage, letter.raw_id) if letter.raw_id else None
        if raw is None:
            raise ValidationFailed(
                {"eml_letter_ids": Message(N_("letter %(id)s has no stored message to attach"), id=letter_id)}
            )
        name = _clean_filename(letter.subject, f"letter-{letter.id}")
        files.append(OutgoingFile(f"{name}.eml", "message/rfc822", bytes(raw.content)))
    return files


def _stored_files(
    letter: MailMessage, *, inline_only: bool = False, skip_ids: set[int] | None = None
) -> list[OutgoingFile]:
    stmt = select(MailAttachment).where(MailAttachment.message_id == letter.id).order_by(MailAttachment.id)
    return [
        OutgoingFile(a.filename, a.content_type, bytes(a.content), a.content_id, a.is_inline)
        for a in db.session.scalars(stmt)
        if (not inline_only or (a.is_inline and a.content_id)) and a.id not in (skip_ids or set())
    ]


def _uploaded(draft: LetterDraft) -> list[OutgoingFile]:
    files = []
    for name, content_type, content in draft.attachments:
        if not isinstance(content, bytes | bytearray):
            raise ValidationFailed(
                {"attachments": Message(N_("%(name)r: the file content is missing"), name=name)}
            )
        files.append(OutgoingFile(_clean_filename(name), (content_type or "").strip(), bytes(content)))
    return files


def _linked(
    user: User, draft: LetterDraft, links: dict[str, int | None], exclude: int | None
) -> list[OutgoingFile]:
    if not draft.include_linked_files:
        return []
    found = linked_files_for(
        user,
        interest_id=links.get("interest_id"),
        ticket_id=links.get("ticket_id"),
        exclude_letter_id=exclude,
    )
    if draft.linked_file_keys is not None:
        wanted = set(draft.linked_file_keys)
        found = [f for f in found if f.key in wanted]
    return [OutgoingFile(f.filename, f.content_type, f.load()) for f in found]


def check_attachment_limit(account: MailAccount, files: Sequence[OutgoingFile]) -> None:
    """The account's limit on the total size of a letter's files (SPEC #41; 0 = no limit)."""
    total = sum(f.size for f in files if not f.is_inline)
    limit = account.max_attachments_mb or 0
    if limit > 0 and total > limit * MB:
        raise ValidationFailed(
            {
                "attachments": Message(
                    N_(
                        "the attachments take %(size).1f MB; this account allows at most %(limit)s MB in one letter"
                    ),
                    size=total / MB,
                    limit=limit,
                )
            }
        )


def _font(user: User, draft: LetterDraft) -> tuple[str, str]:
    if draft.font_family.strip() or draft.font_size.strip():
        return clean_font(draft.font_family, draft.font_size)
    return effective_font(user)


def _recipients(draft: LetterDraft, *, require: bool) -> tuple[list[Any], list[Any], list[Any]]:
    errors: dict[str, str] = {}
    parsed: dict[str, list[dict[str, str]]] = {}
    for name in ("to", "cc", "bcc"):
        try:
            parsed[name] = parse_recipients(name, getattr(draft, name))
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
            parsed[name] = []
    if require and not errors and not any(parsed.values()):
        errors["to"] = N_("to: give at least one recipient")
    if errors:
        raise ValidationFailed(errors)
    return parsed["to"], parsed["cc"], parsed["bcc"]


def _compose(user: User, draft: LetterDraft, *, sending: bool, letter: MailMessage | None) -> OutgoingDraft:
    account = usable_account(user, draft.account_id)
    if sending and not account.smtp_host.strip():
        raise ValidationFailed({"account_id": N_("this mail account has no SMTP server to send through")})
    to, cc, bcc = _recipients(draft, require=sending)
    reply = usable_letter(user, draft.reply_to_letter_id) if draft.reply_to_letter_id else None
    forward = usable_letter(user, draft.forward_of_letter_id) if draft.forward_of_letter_id else None
    links = _links(user, draft, reply)
    family, size = _font(user, draft)
    # Task-form files are read from route-map state, which rolls the session back: read them first.
    files = _linked(user, draft, links, letter.id if letter is not None else None)
    files += _uploaded(draft) + _eml_files(user, draft.eml_letter_ids)
    if letter is not None:  # the saved draft's files, less those the user removed
        files = _stored_files(letter, skip_ids=set(draft.drop_attachment_ids)) + files
    elif forward is not None:  # a forward takes the original's files along (less those removed)
        kept = _stored_files(forward, skip_ids=set(draft.drop_attachment_ids))
        files += [f for f in kept if not f.is_inline]
    html = sanitize_note_html(draft.html or "")
    subject = draft.subject
    if sending:
        context = AutotextContext(
            user=user,
            interest_id=links.get("interest_id"),
            ticket_id=links.get("ticket_id"),
            reply_to=reply,
            client_id=links.get("client_id"),
            lead_id=links.get("lead_id"),
        )
        html = with_font(render_autotext(html, context, as_html=True), family, size)
        subject = render_autotext(subject, context, as_html=False)
    cids = {f.content_id for f in files if f.is_inline}
    for original in (reply, forward):
        for item in _stored_files(original, inline_only=True) if original is not None else []:
            if f"cid:{item.content_id}" in html and item.content_id not in cids:  # quoted inline images
                cids.add(item.content_id)
                files.append(item)
    if sending:
        check_attachment_limit(account, files)
    in_reply_to, references, thread_key = thread_headers(reply) if reply is not None else ("", "", "")
    return OutgoingDraft(
        account=account, from_name=sender_name_for(user.id, account), to=to, cc=cc, bcc=bcc, subject=subject,
        html=html, files=files, in_reply_to=in_reply_to, references=references, thread_key=thread_key,
        links=links, author_id=user.id, font_family=family, font_size=size,
    )  # fmt: skip


def send_letter(user: User, draft: LetterDraft, letter_id: int | None = None) -> MailMessage:
    """Check and queue the letter (a saved draft ``letter_id`` becomes it); commits. The outbox job sends it
    after the commit. ``ValidationFailed`` names the field at fault."""
    letter = _own_draft(user, letter_id) if letter_id is not None else None
    outgoing = _compose(user, draft, sending=True, letter=letter)
    if letter is not None:
        db.session.execute(delete(MailAttachment).where(MailAttachment.message_id == letter.id))
    try:
        sent = create_outgoing_letter(outgoing, letter=letter)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return sent


def save_draft(user: User, draft: LetterDraft, letter_id: int | None = None) -> MailMessage:
    """Save (or update) the user's draft: fields and files, placeholders kept as written; commits."""
    letter = _own_draft(user, letter_id) if letter_id is not None else None
    outgoing = _compose(user, draft, sending=False, letter=letter)
    if letter is None:
        letter = MailMessage()
    else:
        db.session.execute(delete(MailAttachment).where(MailAttachment.message_id == letter.id))
    fill_letter(letter, outgoing, status=STATUS_DRAFT, now=utcnow())
    letter.created_by_id = user.id
    db.session.add(letter)
    db.session.flush()
    store_files(letter, outgoing.files)
    db.session.commit()
    return letter


def linked_files(user: User, draft_or_letter: LetterDraft | MailMessage) -> list[LinkedFile]:
    """The files "Add files from interests/appeals" offers for a draft or a saved letter (SPEC #32)."""
    exclude = draft_or_letter.id if isinstance(draft_or_letter, MailMessage) else None
    interest_id, ticket_id = draft_or_letter.interest_id, draft_or_letter.ticket_id
    if isinstance(draft_or_letter, LetterDraft) and not (interest_id or ticket_id):
        reply_id = draft_or_letter.reply_to_letter_id
        if reply_id:
            original = usable_letter(user, reply_id)
            interest_id, ticket_id = original.interest_id, original.ticket_id
    return linked_files_for(user, interest_id=interest_id, ticket_id=ticket_id, exclude_letter_id=exclude)


def new_letter_defaults(
    user: User,
    account_id: int,
    *,
    reply_to_letter_id: int | None = None,
    reply_all: bool = False,
    forward_of_letter_id: int | None = None,
    interest_id: int | None = None,
    ticket_id: int | None = None,
    client_id: int | None = None,
) -> dict[str, Any]:
    """What the editor starts with: recipients, subject (with the appeal number), HTML (signature and quote),
    font, links and — for a forward — the original's files that will go with it."""
    account = usable_account(user, account_id)
    reply = usable_letter(user, reply_to_letter_id) if reply_to_letter_id else None
    forward = usable_letter(user, forward_of_letter_id) if forward_of_letter_id else None
    given = {"client_id": client_id, "interest_id": interest_id, "ticket_id": ticket_id}
    if any(given.values()):
        links = link_ids(resolve_links(given, keys=("client", "contact", "lead", "interest", "ticket")))
    else:
        links = {key: getattr(reply, key) if reply is not None else None for key in LINK_KEYS}
    to: list[dict[str, str]] = []
    cc: list[dict[str, str]] = []
    tag = appeal_number_of(interest_id=links.get("interest_id"), ticket_id=links.get("ticket_id"))
    if reply is not None:
        to = [dict(a) for a in (reply.reply_to or [])] or [
            {"name": reply.from_name, "address": reply.from_address}
        ]
        if reply_all:
            own = {a.lower() for a in db.session.scalars(select(MailAccount.email_address))}
            cc = reply_all_cc(reply, own, to)
        subject = reply_subject(reply.subject)
    elif forward is not None:
        subject = forward_subject(forward.subject)
    else:
        to = client_address(links.get("client_id"), links.get("contact_id"), links.get("lead_id"))
        subject = ""
    subject = with_appeal_number(subject, tag)
    interest = _row("interest", links.get("interest_id"))
    ticket = _row("ticket", links.get("ticket_id"))
    signature = signature_for(user, account)
    body = "<p><br></p>" + render_signature(
        signature,
        user=user,
        letter=reply,
        interest=interest,
        ticket=ticket,
        client_id=links.get("client_id"),
        lead_id=links.get("lead_id"),
    )
    if reply is not None:
        body += reply_quote_html(reply, user)
    elif forward is not None:
        body += forward_block_html(forward, user)
    family, size = effective_font(user)
    files = []
    if forward is not None:
        files = [{"id": a.id, "filename": a.filename, "size": a.size} for a in db.session.scalars(
            select(MailAttachment).where(MailAttachment.message_id == forward.id, MailAttachment.is_inline.is_(False))
        )]  # fmt: skip
    return {
        "account_id": account.id,
        "from_name": sender_name_for(user.id, account),
        "from_address": account.email_address,
        "to": format_recipients(to),
        "cc": format_recipients(cc),
        "bcc": "",
        "subject": subject,
        "html": body,
        "font_family": family,
        "font_size": size,
        "signature_id": signature.id if signature is not None else None,
        "reply_to_letter_id": reply.id if reply is not None else None,
        "forward_of_letter_id": forward.id if forward is not None else None,
        "forward_attachments": files,
        **links,
    }


def _row(kind: str, ident: int | None) -> Any:
    if not ident:
        return None
    from crm.deals.models import Interest
    from crm.support.models import Ticket

    return db.session.get(Interest if kind == "interest" else Ticket, ident)
