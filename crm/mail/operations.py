"""The ``mail/send`` operation route maps call, and the alert e-mails of monitoring — both through the outbox.

``mail/send`` acts as the system inside the engine step's transaction (flush, never commit): the letter and
its outbox row commit with the step, and the outbox sends it after that commit; a step that fails rolls the
letter back with it. The address is ``to``, else the contact person's, the client's or the potential
client's first e-mail; the account is ``account_id``, else the first active shared account that can send.
``reply_to_letter_id`` makes the letter an answer in that letter's thread (and its account the default).
With ``fallback_notice`` a letter that cannot be written (no address, no account) becomes what
``notify/in_app`` writes instead — a kept message for the address, or an in-app notice to the responsible —
so a trigger never stops on a client without e-mail; without it that is an error (an incident).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm.accounts.models import User
from crm.activities.sanitize import sanitize_note_html
from crm.errors import ValidationFailed
from crm.links import link_ids, resolve_links
from crm.mail.addresses import parse_recipients
from crm.mail.models import ACCOUNT_SHARED, MailAccount, MailMessage, MailSignature
from crm.mail.outgoing import (
    OutgoingDraft,
    client_address,
    create_outgoing_letter,
    sender_name_for,
    text_to_html,
    with_font,
)
from crm.mail.preferences import get_global_font
from crm.mail.quoting import thread_headers
from crm.mail.signatures import render_signature
from crm.messages import N_, Message
from engine.db import db
from engine.operations import register_operation

OPTIONAL_ID = {"type": ["integer", "null"], "minimum": 1}
OPTIONAL_TEXT = {"type": ["string", "null"]}
BUSINESS_KEY = {"type": ["string", "null"], "pattern": "^(interest|ticket):[0-9]+$"}


def default_account() -> MailAccount | None:
    """The first active shared account that has an SMTP server (by id)."""
    return db.session.scalars(
        select(MailAccount)
        .where(
            MailAccount.is_active.is_(True), MailAccount.kind == ACCOUNT_SHARED, MailAccount.smtp_host != ""
        )
        .order_by(MailAccount.id)
    ).first()


def _account(account_id: int | None) -> MailAccount | None:
    if not account_id:
        return default_account()
    account = db.session.get(MailAccount, account_id)
    if account is None or not account.is_active or not account.smtp_host.strip():
        return None
    return account


def _responsible(links: dict[str, Any]) -> int | None:
    for key in ("ticket", "interest", "client", "lead"):
        row = links.get(key)
        if row is not None and getattr(row, "responsible_id", None):
            return int(row.responsible_id)
    return None


def _fallback(text: str, address: str, ids: dict[str, int | None], business_key: str | None,
              responsible_id: int | None, reason: str) -> dict[str, Any]:  # fmt: skip
    from crm.process_operations import notify_operation

    if not address and responsible_id is None:
        return {"letter_id": None, "notice": False, "reason": reason}
    result = notify_operation(
        text if address else f"Could not e-mail the client ({reason}): {text}",
        user_id=None if address else responsible_id,
        to_email=address,
        business_key=business_key,
        client_id=ids.get("client_id"),
        lead_id=ids.get("lead_id"),
    )
    return {"letter_id": None, "notice": True, "reason": reason, **result}


def send_mail_operation(
    subject: str,
    to: str | None = None,
    text: str | None = None,
    html: str | None = None,
    client_id: int | None = None,
    contact_id: int | None = None,
    lead_id: int | None = None,
    interest_id: int | None = None,
    ticket_id: int | None = None,
    business_key: str | None = None,
    account_id: int | None = None,
    reply_to_letter_id: int | None = None,
    fallback_notice: bool = False,
) -> dict[str, Any]:
    """Queue a letter to a client (see the module docstring); returns the letter id and the address."""
    given = {"client_id": client_id, "contact_id": contact_id, "lead_id": lead_id,
             "interest_id": interest_id, "ticket_id": ticket_id}  # fmt: skip
    if business_key:
        kind, _, ident = business_key.partition(":")
        given[f"{kind}_id"] = given.get(f"{kind}_id") or int(ident)
    links = resolve_links(given, keys=("client", "contact", "lead", "interest", "ticket"))
    ids = link_ids(links)
    recipients = parse_recipients("to", to or "")
    if not recipients:
        recipients = client_address(ids.get("client_id"), ids.get("contact_id"), ids.get("lead_id"))
    body_text = text or ""
    if not body_text and not html:
        raise ValidationFailed({"text": N_("give the letter's text or HTML")})
    original = db.session.get(MailMessage, reply_to_letter_id) if reply_to_letter_id else None
    if reply_to_letter_id and original is None:
        raise ValidationFailed(
            {"reply_to_letter_id": Message(N_("letter %(id)s not found"), id=reply_to_letter_id)}
        )
    account = _account(account_id or (original.account_id if original is not None else None))
    address = recipients[0]["address"] if recipients else ""
    reason = "" if recipients else "no e-mail address"
    if not reason and account is None:
        reason = f"no mail account {account_id} that can send" if account_id else "no shared mail account"
    responsible_id = _responsible(links)
    if reason:
        if not fallback_notice:
            raise ValidationFailed(
                {"to" if not recipients else "account_id": f"cannot send the letter: {reason}"}
            )
        return _fallback(body_text or html or "", address, ids, business_key, responsible_id, reason)
    assert account is not None
    author = db.session.get(User, responsible_id) if responsible_id else None
    body = sanitize_note_html(html) if html else text_to_html(body_text)
    signature = render_signature(
        db.session.get(MailSignature, account.default_signature_id) if account.default_signature_id else None,
        user=author, interest=links.get("interest"), ticket=links.get("ticket"),
        client_id=ids.get("client_id"), lead_id=ids.get("lead_id"),
    )  # fmt: skip
    family, size = get_global_font()
    in_reply_to, references, thread_key = thread_headers(original) if original is not None else ("", "", "")
    draft = OutgoingDraft(
        account=account,
        from_name=sender_name_for(responsible_id, account),
        to=recipients,
        subject=subject,
        html=with_font(body + signature, family, size),
        links=ids,
        in_reply_to=in_reply_to,
        references=references,
        thread_key=thread_key,
        author_id=responsible_id,
        font_family=family,
        font_size=size,
    )
    letter = create_outgoing_letter(draft)
    return {"letter_id": letter.id, "message_id": letter.message_id, "to": address, "account_id": account.id,
            "notice": False}  # fmt: skip


def email_alert(user: User, title: str, body: str) -> bool:
    """Send an alert to a user through the outbox from the default shared account (nothing when there is no
    account); joins the caller's transaction — the alert's commit sends it. The application installs it with
    ``crm.monitoring.alerts.set_email_sender(email_alert)``."""
    account = default_account()
    if account is None or not user.email:
        return False
    recipients = parse_recipients("to", user.email)
    draft = OutgoingDraft(account=account, from_name=account.name, to=recipients, subject=title,
                          html=text_to_html(body), feed=False, headers={"Auto-Submitted": "auto-generated"})  # fmt: skip
    create_outgoing_letter(draft)
    return True


def register_mail_operations() -> None:
    """Register ``mail/send`` (``crm.operations.register_crm_operations`` calls this once)."""
    register_operation(
        "mail/send",
        send_mail_operation,
        {
            "type": "object",
            "properties": {
                "subject": {"type": "string", "minLength": 1},
                "to": OPTIONAL_TEXT,
                "text": OPTIONAL_TEXT,
                "html": OPTIONAL_TEXT,
                "client_id": OPTIONAL_ID,
                "contact_id": OPTIONAL_ID,
                "lead_id": OPTIONAL_ID,
                "interest_id": OPTIONAL_ID,
                "ticket_id": OPTIONAL_ID,
                "business_key": BUSINESS_KEY,
                "account_id": OPTIONAL_ID,
                "reply_to_letter_id": OPTIONAL_ID,
                "fallback_notice": {"type": "boolean"},
            },
            "required": ["subject"],
            "additionalProperties": False,
        },
        description="Send a letter through the outbox to an address or to a client/contact/potential client's "
        "e-mail, linked to its interest/appeal; account_id defaults to the answered letter's (reply_to_letter_id) "
        "or the first shared account. "
        "fallback_notice: with no address or account, keep an in-app notice instead of failing.",
    )
