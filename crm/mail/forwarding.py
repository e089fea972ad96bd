"""Forwarding a letter to an address — the sorting rules' action "Forward to address" (SPEC #38).

The original travels untouched as an .eml attachment (its own headers, files and signatures intact) under a
short note saying who sent it and when; the forward goes from the letter's own account through the outbox. A
forward made by a rule (no user) says ``Auto-Submitted: auto-generated`` so an auto-responder at the other end
does not answer it.
"""

from __future__ import annotations

from crm.accounts.models import User
from crm.errors import NotFound, ValidationFailed
from crm.mail.addresses import parse_recipients
from crm.mail.models import MailAccount, MailMessage, MailRawMessage
from crm.mail.outgoing import LINK_KEYS, OutgoingDraft, OutgoingFile, create_outgoing_letter, sender_name_for
from crm.mail.quoting import forward_header_html, forward_subject
from crm.messages import N_, Message
from engine.db import db

_UNSAFE = str.maketrans({c: "_" for c in '/\\:*?"<>|\r\n\t'})


def forward_letter(letter: MailMessage, to_address: str, by_user: User | None = None) -> MailMessage:
    """Queue a forward of ``letter`` to ``to_address``; adds to the session, does not commit."""
    recipients = parse_recipients("to_address", to_address)
    if len(recipients) != 1:
        raise ValidationFailed({"to_address": N_("give one e-mail address to forward to")})
    account = db.session.get(MailAccount, letter.account_id)
    if account is None:
        raise NotFound(f"mail account {letter.account_id} not found")
    if not account.smtp_host.strip():
        raise ValidationFailed(
            {"to_address": "the letter's mail account has no SMTP server to forward through"}
        )
    raw = db.session.get(MailRawMessage, letter.raw_id) if letter.raw_id else None
    if raw is None:
        raise ValidationFailed(
            {"letter": Message(N_("letter %(id)s has no stored message to forward"), id=letter.id)}
        )
    name = " ".join((letter.subject or "").translate(_UNSAFE).split())[:150] or f"letter-{letter.id}"
    draft = OutgoingDraft(
        account=account,
        from_name=sender_name_for(by_user.id if by_user is not None else None, account),
        to=recipients,
        subject=forward_subject(letter.subject),
        html=forward_header_html(letter, by_user),
        files=[OutgoingFile(f"{name}.eml", "message/rfc822", bytes(raw.content))],
        links={key: getattr(letter, key) for key in LINK_KEYS},
        author_id=by_user.id if by_user is not None else None,
        headers={} if by_user is not None else {"Auto-Submitted": "auto-generated"},
        feed=False,  # a forward to a colleague or a system is no conversation with the client
    )
    return create_outgoing_letter(draft)
