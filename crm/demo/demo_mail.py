"""Demo mail: a shared "Sales" mailbox whose letters come in through the real ingestion (linking by address,
thread and appeal number, the Feed, Responsible, a lead folder that opens an interest and starts its route
map). The demo has no mail server, so the caller hands in a mailbox to read from (the web layer picks an
in-memory one); afterwards the account keeps no server settings, and the administrator enters real ones.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from connectors.mail.building import OutgoingAttachment, OutgoingLetter, build_message
from connectors.mail.interfaces import IncomingMailbox, ServerSettings
from crm.accounts.services import find_user
from crm.deals.models import Interest
from crm.mail.accounts import create_account, set_members, set_sender_name
from crm.mail.folders import folders_of, refresh_folders, set_lead_folders
from crm.mail.ingest import sync_account
from crm.mail.models import LEADS_SELECTED, SCENARIO_SALES, MailAccount
from crm.mail.transport import use_mailbox
from engine.db import db, utcnow

DEMO_ADDRESS = "sales@routemap-demo.example"
LEAD_FOLDER = "Заявки с сайта"
FOLDERS = (("INBOX", "inbox"), ("Sent", "sent"), ("Trash", "trash"), (LEAD_FOLDER, None))


def load_demo_mail(mailbox: IncomingMailbox) -> int:
    """Create the demo mailbox and take in its letters once; the number of letters stored (0 when done)."""
    if db.session.scalar(select(MailAccount.id).where(MailAccount.email_address == DEMO_ADDRESS)):
        return 0
    admin, manager = find_user("admin"), find_user("manager")
    if admin is None or manager is None:
        return 0
    with mailbox:  # the letters are on the "server" before the account first reads it
        for raw, folder in _letters():
            mailbox.append(folder, raw)
    account = create_account(
        admin,
        {
            "name": "Отдел продаж",
            "email_address": DEMO_ADDRESS,
            "kind": "shared",
            "imap_host": "imap.routemap-demo.example",
            "imap_port": 993,
            "imap_security": "ssl",
            "imap_username": DEMO_ADDRESS,
            "smtp_host": "smtp.routemap-demo.example",
            "smtp_port": 465,
            "smtp_security": "ssl",
            "smtp_username": DEMO_ADDRESS,
            "max_attachments_mb": 20,
        },
    )
    members = [u for u in (find_user(n) for n in ("admin", "manager", "manager2", "agent")) if u is not None]
    set_members(admin, account.id, [u.id for u in members])
    set_sender_name(manager, account.id, "Мария Соколова, отдел продаж")

    def factory(_settings: ServerSettings) -> IncomingMailbox:
        return mailbox

    with use_mailbox(factory):
        refresh_folders(account.id)
        lead_folder = next(f for f in folders_of(account.id) if f.name == LEAD_FOLDER)
        set_lead_folders(
            admin, account.id, LEADS_SELECTED, [lead_folder.id], {SCENARIO_SALES: [lead_folder.id]}
        )
        result = sync_account(account.id)
    # No real server behind the demo: the administrator enters one (Administration -> Mail accounts).
    account = db.session.get(MailAccount, account.id)
    assert account is not None
    account.imap_host = account.smtp_host = ""
    db.session.commit()
    return result.stored


def _interest_number(title: str) -> str:
    ident = db.session.scalar(select(Interest.id).where(Interest.title == title))
    return f" [#I-{ident}]" if ident else ""


def _letters() -> list[tuple[bytes, str]]:
    now = utcnow()
    us = ("Отдел продаж", DEMO_ADDRESS)

    def letter(ago_hours: float, from_: tuple[str, str], subject: str, text: str, **extra: object) -> bytes:
        return build_message(
            OutgoingLetter(
                from_=from_,
                to=extra.pop("to", [us]),  # type: ignore[arg-type]
                subject=subject,
                text=text,
                date=now - timedelta(hours=ago_hours),
                **extra,  # type: ignore[arg-type]
            )
        )

    return [
        (
            letter(
                30,
                ("Петров Иван Сергеевич", "petrov@romashka.ru"),
                "Re: Поставка офисной мебели" + _interest_number("Поставка офисной мебели"),
                "Добрый день!\n\nКоммерческое предложение получили, спасибо. Можно ли сдвинуть поставку "
                "на первую неделю месяца?\n\nС уважением,\nИван Петров",
            ),
            "INBOX",
        ),
        (
            letter(
                20,
                ("Nancy Davolio", "nancy@northwind.example"),
                "Shelving: delivery dates",
                "Hello,\n\nCould you confirm the delivery window for the warehouse shelving? "
                "Our loading dock is free on Tuesdays and Thursdays.\n\nBest regards,\nNancy",
            ),
            "INBOX",
        ),
        (
            letter(
                8,
                ("Northwind Orders", "orders@northwind.example"),
                "Floor plan for the shelving",
                "Please find the floor plan attached.",
                attachments=[
                    OutgoingAttachment("floor-plan.txt", "text/plain", b"Zone A: 12 racks\nZone B: 8 racks\n")
                ],
            ),
            "INBOX",
        ),
        (
            letter(
                5,
                ("Ольга Смирнова", "office@vector.ru"),
                "Счёт на оплату",
                "Здравствуйте! Пришлите, пожалуйста, счёт на предоплату по переговорным комнатам.",
            ),
            "INBOX",
        ),
        (
            letter(
                3,
                ("Анна Белова", "anna.belova@mail.example"),
                "Нужны столы для нового офиса",
                "Здравствуйте! Открываем офис на 25 человек, нужны рабочие столы и кресла. "
                "Пришлите, пожалуйста, каталог и цены. Телефон: +7 915 123-45-67. Анна",
            ),
            LEAD_FOLDER,
        ),
        (
            letter(
                26,
                us,
                "Счёт на стеллажи",
                "Дмитрий Олегович, добрый день! Счёт во вложении, срок оплаты — 5 рабочих дней.",
                to=[("Кузнецов Дмитрий Олегович", "kuznetsov@sever-log.ru")],
            ),
            "Sent",
        ),
    ]
