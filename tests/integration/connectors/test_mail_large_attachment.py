"""A 30 MB attachment goes through the whole chain: build, SMTP, IMAP, fetch, parse — byte for byte."""

from __future__ import annotations

import hashlib
import random

from connectors.mail.building import OutgoingAttachment, OutgoingLetter, build_message, envelope_recipients
from connectors.mail.imap import ImapMailbox
from connectors.mail.parsing import parse_message
from connectors.mail.smtp import SmtpMailer

SIZE = 30 * 1024 * 1024


def test_a_30_mb_attachment_round_trip(smtp_server, imap_user):
    content = random.Random(30).randbytes(SIZE)
    letter = OutgoingLetter(
        from_=("Отдел продаж", "sales@example.test"),
        to=[("Клиент", imap_user.address)],
        subject="Большой архив",
        text="Архив во вложении.",
        attachments=[OutgoingAttachment("Архив проекта.zip", "application/zip", content)],
    )
    raw = build_message(letter)
    assert len(raw) > SIZE

    SmtpMailer(smtp_server.settings).send(raw, "sales@example.test", envelope_recipients(letter))
    [received] = smtp_server.messages
    assert received.raw == raw

    with ImapMailbox(imap_user.settings) as mailbox:  # the receiving side files it into the mailbox
        uid = mailbox.append("INBOX", received.raw)
        [fetched] = mailbox.fetch_new("INBOX", None, 0).messages
    assert fetched.uid == uid
    assert fetched.raw == raw

    parsed = parse_message(fetched.raw)
    assert parsed.errors == []
    assert parsed.subject == "Большой архив"
    assert parsed.text == "Архив во вложении."
    [attachment] = parsed.attachments
    assert attachment.filename == "Архив проекта.zip"
    assert attachment.size == SIZE
    assert hashlib.sha256(attachment.content).digest() == hashlib.sha256(content).digest()
