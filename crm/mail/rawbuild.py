"""The bytes of an outgoing letter, built once when it is queued (Message-ID and Date fixed then)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.mail.building import OutgoingAttachment, OutgoingLetter, build_message, make_message_id
from crm.errors import ValidationFailed
from crm.mail.models import MailAccount, MailMessage
from engine.db import utcnow


def _pairs(addresses: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(item.get("name") or "", item.get("address") or "") for item in addresses]


def build_raw(
    letter: MailMessage, account: MailAccount, files: Sequence[Any], headers: dict[str, str]
) -> tuple[str, bytes]:
    """(Message-ID without brackets, RFC 5322 bytes) of ``letter``; a bad address or header is a
    ``ValidationFailed`` naming it."""
    domain = account.email_address.rpartition("@")[2]
    message_id = letter.message_id or make_message_id(domain)
    outgoing = OutgoingLetter(
        from_=(letter.from_name, account.email_address.strip()),
        to=_pairs(letter.to_addresses),
        cc=_pairs(letter.cc_addresses),
        bcc=_pairs(letter.bcc_addresses),
        subject=letter.subject,
        text=letter.text_body,
        html=letter.html_body,
        attachments=[
            OutgoingAttachment(f.filename, f.content_type, f.content, f.content_id if f.is_inline else "")
            for f in files
        ],
        message_id=message_id,
        in_reply_to=letter.in_reply_to,
        references=letter.references.split(),
        date=letter.sent_at or utcnow(),
        headers=dict(headers),
    )
    try:
        return message_id, build_message(outgoing)
    except ValueError as exc:
        raise ValidationFailed({"letter": str(exc)}) from None
