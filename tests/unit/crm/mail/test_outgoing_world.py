"""A small company for the outgoing-mail tests (no tests here): Mary writes from the shared "Sales" account
with her own sender name and the account's signature with autotext; the client Romashka has an interest and
wrote a letter on it with a PDF. Used by the unit tests (fakes) and the integration tests (real servers)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from connectors.mail.building import OutgoingAttachment, OutgoingLetter, build_message
from connectors.mail.parsing import parse_message
from crm.accounts.models import EMPLOYEE, Role, User
from crm.accounts.services import ensure_builtin_roles
from crm.clients.services import create_client
from crm.deals.services import create_interest, ensure_default_stages
from crm.mail.models import (
    ACCOUNT_SHARED,
    SECURITY_NONE,
    MailAccount,
    MailAccountMember,
    MailAttachment,
    MailFolder,
    MailMessage,
    MailRawMessage,
    MailSignature,
)
from crm.mail.secrets import encrypt_secret
from engine.db import db, utcnow

PDF = b"%PDF-1.4 price list " * 50
FIXTURES_BPMN = Path(__file__).resolve().parents[3] / "fixtures" / "bpmn"
SIGNATURE = "<p>Regards, {{current_user}}</p><p>Ref. {{appeal_number_reply}}</p>"


def make_world(
    *,
    address: str = "sales@co.example",
    smtp: tuple[str, int] = ("smtp.test", 25),
    imap: tuple[str, int] | None = ("imap.test", 143),
    imap_user: tuple[str, str] = ("sales", "pw"),
    sent_folder: str | None = "Sent",
) -> SimpleNamespace:
    """Users, the account, the client with an interest and an incoming letter on it; commits."""
    ensure_builtin_roles()
    ensure_default_stages()
    employee = db.session.query(Role).filter_by(code=EMPLOYEE).one()
    mary = User(username="mary", full_name="Mary Seller", email="mary@co.example", roles=[employee])
    oleg = User(username="oleg", full_name="Oleg Other", email="oleg@co.example", roles=[employee])
    signature = MailSignature(name="Company", body_html=SIGNATURE)
    db.session.add_all([mary, oleg, signature])
    db.session.flush()
    account = MailAccount(
        name="Sales", email_address=address, kind=ACCOUNT_SHARED,
        smtp_host=smtp[0], smtp_port=smtp[1], smtp_security=SECURITY_NONE,
        imap_host=imap[0] if imap else "", imap_port=imap[1] if imap else 993, imap_security=SECURITY_NONE,
        imap_username=imap_user[0], imap_password_encrypted=encrypt_secret(imap_user[1]),
        default_signature_id=signature.id, max_attachments_mb=1,
    )  # fmt: skip
    db.session.add(account)
    db.session.flush()
    db.session.add(MailAccountMember(account_id=account.id, user_id=mary.id, sender_name="Mary from Sales"))
    inbox = MailFolder(account_id=account.id, name="INBOX", role="inbox")
    db.session.add(inbox)
    sent = None
    if sent_folder:
        sent = MailFolder(account_id=account.id, name=sent_folder, role="sent")
        db.session.add(sent)
    db.session.commit()
    client = create_client(mary, {"name": "Romashka", "kind": "company", "emails": ["ivan@romashka.example"]})
    interest = create_interest(mary, {"client_id": client.id, "title": "Office furniture", "amount": 1000})
    world = SimpleNamespace(mary=mary, oleg=oleg, account=account, client=client, interest=interest,
                            inbox=inbox, sent_folder=sent, signature=signature)  # fmt: skip
    world.incoming = store_incoming(
        world, subject=f"Prices [#I-{interest.id}]", text="Please send the prices.",
        attachments=[OutgoingAttachment("prices.pdf", "application/pdf", PDF)],
    )  # fmt: skip
    return world


def store_incoming(
    world: SimpleNamespace,
    *,
    subject: str,
    text: str,
    sender: tuple[str, str] = ("Ivan Petrov", "ivan@romashka.example"),
    attachments: list[OutgoingAttachment] | None = None,
    headers: dict[str, str] | None = None,
    uid: int | None = None,
    link: bool = True,
    occurred_at: Any = None,
) -> MailMessage:
    """An incoming letter as the sync stores it (raw bytes, parsed fields, files); commits."""
    raw = build_message(
        OutgoingLetter(
            from_=sender,
            to=[("Sales", world.account.email_address)],
            subject=subject,
            text=text,
            attachments=attachments or [],
            headers=headers or {},
        )
    )
    parsed = parse_message(raw)
    stored = MailRawMessage(sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), content=raw)
    db.session.add(stored)
    db.session.flush()
    when = occurred_at or utcnow() - timedelta(minutes=5)
    letter = MailMessage(
        account_id=world.account.id, folder_id=world.inbox.id, uid=uid or stored.id, direction="in",
        status="received", message_id=parsed.message_id, thread_key=parsed.message_id, subject=parsed.subject,
        from_name=parsed.from_.name, from_address=parsed.from_.address,
        to_addresses=[a.as_dict() for a in parsed.to], sent_at=parsed.date, occurred_at=when,
        text_body=parsed.text, html_body=parsed.html, snippet=parsed.text[:100], size=len(raw),
        has_attachments=bool(parsed.attachments), raw_id=stored.id,
        client_id=world.client.id if link else None, interest_id=world.interest.id if link else None,
    )  # fmt: skip
    db.session.add(letter)
    db.session.flush()
    for item in parsed.attachments:
        db.session.add(MailAttachment(message_id=letter.id, filename=item.filename, content_type=item.content_type,
                                      size=len(item.content), content=item.content))  # fmt: skip
    db.session.commit()
    return letter
