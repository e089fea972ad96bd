"""Read-only mail queries for the mail pages: the folders of the accounts a user may use with unread counts,
the keyset-paged filtered letter list, the "show all letters of the sender" target, letters to print, the
"Add letter" picker and the administrators' account list.

Access: a user reaches only the letters of the accounts ``accounts_for_user`` gives them; every query here
starts from those account ids, so a list never shows a letter its reader may not open.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import defer, load_only

from crm.access import visible_clients_clause, visible_leads_clause
from crm.accounts.models import User
from crm.clients.models import EMAIL, Client, ContactDetail, Lead
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.mail.accounts import accounts_for_user
from crm.mail.models import (
    DIRECTION_IN,
    DIRECTION_OUT,
    LEAD_SCENARIOS,
    ROLE_DRAFTS,
    ROLE_INBOX,
    ROLE_JUNK,
    ROLE_SENT,
    ROLE_TRASH,
    STATUS_DRAFT,
    STATUS_FAILED,
    STATUS_QUEUED,
    STATUS_SENT,
    MailAccount,
    MailAccountMember,
    MailAttachment,
    MailFolder,
    MailMessage,
    MailSignature,
)
from crm.messages import N_, Message
from engine.db import db

# Folders listed first, in this order; the rest follow by name.
ROLE_ORDER = {ROLE_INBOX: 0, ROLE_DRAFTS: 1, ROLE_SENT: 2, "archive": 3, ROLE_JUNK: 4, ROLE_TRASH: 5}
# Letters written in the CRM that sit in no server folder (yet): virtual folders per account — the user's
# drafts, the outbox (queued or failed) and letters sent from an account without IMAP (no Sent folder to file
# them in).
VIRTUAL_DRAFTS = "drafts"
VIRTUAL_OUTBOX = "outbox"
VIRTUAL_SENT = "sent"
VIRTUAL_FOLDERS = (VIRTUAL_DRAFTS, VIRTUAL_OUTBOX, VIRTUAL_SENT)
VIRTUAL_STATUSES = {
    VIRTUAL_DRAFTS: (STATUS_DRAFT,),
    VIRTUAL_OUTBOX: (STATUS_QUEUED, STATUS_FAILED),
    VIRTUAL_SENT: (STATUS_SENT,),
}
RESPONSIBLE_FILTERS = ("me", "none", "group")
LINK_FILTERS = ("client", "interest", "ticket", "none")
SORTS = ("newest", "oldest")
MAX_PAGE = 200
MAX_PRINT = 100
# Columns the letter list can show (saved with a list view); "subject" is always there.
COLUMNS = ("from", "to", "date", "size", "attachments", "responsible", "links", "account")
DEFAULT_COLUMNS = ("from", "date", "attachments")


# --- accounts and folders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FolderRow:
    id: int | None  # None for a virtual folder
    name: str
    role: str | None
    unread: int
    virtual: str = ""  # "drafts" | "outbox" | "sent": the CRM's own letters in no server folder
    count: int = 0  # letters in a virtual folder


@dataclass(frozen=True)
class AccountFolders:
    account: MailAccount
    folders: list[FolderRow]

    @property
    def unread(self) -> int:
        return sum(f.unread for f in self.folders if f.role not in (ROLE_TRASH, ROLE_JUNK))

    def inbox(self) -> FolderRow | None:
        return next((f for f in self.folders if f.role == ROLE_INBOX), None) or next(
            (f for f in self.folders if f.id is not None), None
        )


def usable_account_ids(user: User) -> list[int]:
    """Ids of the active accounts ``user`` may read and write from."""
    return [a.id for a in accounts_for_user(user)]


def folder_tree(user: User) -> list[AccountFolders]:
    """Each account ``user`` may use with its folders (inbox first) and their unread letter counts."""
    accounts = accounts_for_user(user)
    ids = [a.id for a in accounts]
    if not ids:
        return []
    folders = list(db.session.scalars(select(MailFolder).where(MailFolder.account_id.in_(ids))))
    unread = dict(
        db.session.execute(
            select(MailMessage.folder_id, func.count())
            .where(
                MailMessage.account_id.in_(ids),
                MailMessage.is_read.is_(False),
                MailMessage.marked_for_deletion.is_(False),
                MailMessage.direction == DIRECTION_IN,
            )
            .group_by(MailMessage.folder_id)
        ).all()
    )
    virtual: dict[tuple[int, str], int] = {}
    for account_id, status, count in db.session.execute(
        select(MailMessage.account_id, MailMessage.status, func.count())
        .where(
            MailMessage.account_id.in_(ids),
            MailMessage.folder_id.is_(None),
            MailMessage.direction == DIRECTION_OUT,
            or_(MailMessage.status != STATUS_DRAFT, MailMessage.created_by_id == user.id),
        )
        .group_by(MailMessage.account_id, MailMessage.status)
    ).all():
        for name, statuses in VIRTUAL_STATUSES.items():
            if status in statuses:
                virtual[(account_id, name)] = virtual.get((account_id, name), 0) + int(count)
    tree = []
    for account in accounts:
        own = sorted(
            (f for f in folders if f.account_id == account.id),
            key=lambda f: (ROLE_ORDER.get(f.role or "", 9), f.name.lower()),
        )
        rows = [FolderRow(f.id, f.name, f.role, int(unread.get(f.id, 0))) for f in own]
        for name in VIRTUAL_FOLDERS:
            count = virtual.get((account.id, name), 0)
            if count or name != VIRTUAL_SENT:  # drafts and the outbox are always there to look into
                rows.append(FolderRow(None, "", None, 0, name, count))
        tree.append(AccountFolders(account, rows))
    return tree


def unread_total(user: User) -> int:
    """Unread incoming letters of ``user``'s accounts, outside Trash and Junk (the navigation badge)."""
    ids = usable_account_ids(user)
    if not ids:
        return 0
    outside = select(MailFolder.id).where(
        MailFolder.account_id.in_(ids), MailFolder.role.in_((ROLE_TRASH, ROLE_JUNK))
    )
    stmt = select(func.count()).where(
        MailMessage.account_id.in_(ids),
        MailMessage.direction == DIRECTION_IN,
        MailMessage.is_read.is_(False),
        MailMessage.marked_for_deletion.is_(False),
        or_(MailMessage.folder_id.is_(None), MailMessage.folder_id.not_in(outside)),
    )
    return int(db.session.scalar(stmt) or 0)


def usable_folder(user: User, folder_id: int) -> MailFolder:
    """A folder of an account ``user`` may use (``NotFound`` / ``AccessDenied`` otherwise)."""
    folder = db.session.get(MailFolder, folder_id)
    if folder is None:
        raise NotFound(f"no mail folder {folder_id}")
    if folder.account_id not in usable_account_ids(user):
        raise AccessDenied(Message(N_("folder %(id)s belongs to an account you do not use"), id=folder_id))
    return folder


def sender_name_of(user: User, account_id: int) -> str:
    """The From name ``user`` writes under from the account: their own one, else the account's (SPEC #33)."""
    own = db.session.scalar(
        select(MailAccountMember.sender_name).where(
            MailAccountMember.account_id == account_id, MailAccountMember.user_id == user.id
        )
    )
    if own:
        return own
    account = db.session.get(MailAccount, account_id)
    return account.name if account is not None else ""


# --- the letter list -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterFilters:
    """What the letter list is narrowed by (all optional). Without a folder or account: every usable one."""

    folder_id: int | None = None
    account_id: int | None = None
    virtual: str = ""  # "drafts" | "outbox" | "sent" (with account_id)
    text: str = ""  # in the subject, the sender's name or address
    from_address: str = ""
    unread: bool = False
    flagged: bool = False
    with_attachments: bool = False
    responsible: str = ""  # me | none | group
    linked: str = ""  # client | interest | ticket | none
    client_id: int | None = None
    interest_id: int | None = None
    ticket_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    lead_scenario: str = ""  # sales | support | any
    sort: str = "newest"


@dataclass(frozen=True)
class LetterPage:
    letters: list[MailMessage]
    next_cursor: str | None
    total: int
    folder: MailFolder | None = None
    attachments: dict[int, int] = field(default_factory=dict)  # letter id -> attachment count


def letter_page(
    user: User,
    filters: LetterFilters,
    *,
    after: str | None = None,
    limit: int = 50,
    timezone: str = "UTC",
) -> LetterPage:
    """One page of letters, newest first by ``(occurred_at, id)`` (oldest first with ``sort="oldest"``).

    ``after`` is the ``next_cursor`` of the previous page (keyset: no OFFSET; letters arriving meanwhile do
    not shift the pages). Dates are days in ``timezone``. Raises ``ValidationFailed`` for a bad filter or
    cursor, ``AccessDenied``/``NotFound`` for a folder or account the user may not use.
    """
    if filters.sort not in SORTS:
        raise ValidationFailed({"sort": N_("newest or oldest")})
    limit = max(1, min(limit, MAX_PAGE))
    folder = usable_folder(user, filters.folder_id) if filters.folder_id is not None else None
    conditions = _letter_conditions(user, filters, folder, timezone)
    total = _count(conditions)
    newest_first = filters.sort == "newest"
    if after:
        at, ident = decode_cursor(after)
        if newest_first:
            conditions.append(
                or_(MailMessage.occurred_at < at, and_(MailMessage.occurred_at == at, MailMessage.id < ident))
            )
        else:
            conditions.append(
                or_(MailMessage.occurred_at > at, and_(MailMessage.occurred_at == at, MailMessage.id > ident))
            )
    order = (
        (MailMessage.occurred_at.desc(), MailMessage.id.desc())
        if newest_first
        else (MailMessage.occurred_at.asc(), MailMessage.id.asc())
    )
    stmt = (
        select(MailMessage)
        .options(defer(MailMessage.text_body), defer(MailMessage.html_body), defer(MailMessage.references))
        .where(*conditions)
        .order_by(*order)
        .limit(limit + 1)
    )
    rows = list(db.session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1].occurred_at, rows[-1].id) if more and rows else None
    return LetterPage(
        rows, cursor, total, folder, attachment_counts([r.id for r in rows if r.has_attachments])
    )


def _letter_conditions(
    user: User, filters: LetterFilters, folder: MailFolder | None, timezone: str
) -> list[ColumnElement[bool]]:
    ids = usable_account_ids(user)
    conditions: list[ColumnElement[bool]] = [
        MailMessage.account_id.in_(ids) if ids else false(),
        # A draft is its author's alone, even in a shared mailbox.
        or_(MailMessage.status != STATUS_DRAFT, MailMessage.created_by_id == user.id),
    ]
    if folder is not None:
        conditions.append(MailMessage.folder_id == folder.id)
        if folder.role != ROLE_TRASH:
            conditions.append(MailMessage.marked_for_deletion.is_(False))
    else:
        conditions.append(MailMessage.marked_for_deletion.is_(False))
        if filters.account_id is not None:
            if filters.account_id not in ids:
                raise AccessDenied(Message(N_("you do not use mail account %(id)s"), id=filters.account_id))
            conditions.append(MailMessage.account_id == filters.account_id)
        if filters.virtual:
            if filters.virtual not in VIRTUAL_FOLDERS:
                raise ValidationFailed({"virtual": N_("drafts, outbox or sent")})
            conditions += [
                MailMessage.folder_id.is_(None),
                MailMessage.direction == DIRECTION_OUT,
                MailMessage.status.in_(VIRTUAL_STATUSES[filters.virtual]),
            ]
    text = filters.text.strip().lower()
    if text:
        conditions.append(
            or_(
                func.lower(MailMessage.subject).contains(text, autoescape=True),
                func.lower(MailMessage.from_name).contains(text, autoescape=True),
                MailMessage.from_address.contains(text, autoescape=True),
            )
        )
    if filters.from_address.strip():
        conditions.append(MailMessage.from_address == filters.from_address.strip().lower())
    if filters.unread:
        conditions += [MailMessage.is_read.is_(False), MailMessage.direction == DIRECTION_IN]
    if filters.flagged:
        conditions.append(MailMessage.is_flagged.is_(True))
    if filters.with_attachments:
        conditions.append(MailMessage.has_attachments.is_(True))
    conditions += _responsibility(user, filters.responsible)
    conditions += _links(filters)
    conditions += _dates(filters, timezone)
    if filters.lead_scenario:
        if filters.lead_scenario == "any":
            conditions.append(MailMessage.lead_scenario.is_not(None))
        elif filters.lead_scenario in LEAD_SCENARIOS:
            conditions.append(MailMessage.lead_scenario == filters.lead_scenario)
        else:
            raise ValidationFailed({"lead": N_("sales, support or any")})
    return conditions


def _responsibility(user: User, value: str) -> list[ColumnElement[bool]]:
    if not value:
        return []
    if value == "me":
        return [MailMessage.responsible_id == user.id]
    if value == "none":
        return [MailMessage.responsible_id.is_(None), MailMessage.responsible_group_id.is_(None)]
    if value == "group":  # waiting in one of my groups for someone to take it
        group_ids = [g.id for g in user.groups]
        return [
            MailMessage.responsible_id.is_(None),
            MailMessage.responsible_group_id.in_(group_ids) if group_ids else false(),
        ]
    raise ValidationFailed({"responsible": N_("me, none or group")})


def _links(filters: LetterFilters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    columns = {
        "client": MailMessage.client_id,
        "interest": MailMessage.interest_id,
        "ticket": MailMessage.ticket_id,
    }
    if filters.linked == "none":
        found += [c.is_(None) for c in columns.values()]
    elif filters.linked in columns:
        found.append(columns[filters.linked].is_not(None))
    elif filters.linked:
        raise ValidationFailed({"linked": N_("client, interest, ticket or none")})
    for name, value in (
        ("client", filters.client_id),
        ("interest", filters.interest_id),
        ("ticket", filters.ticket_id),
    ):
        if value is not None:
            found.append(columns[name] == value)
    return found


def _dates(filters: LetterFilters, timezone: str) -> list[ColumnElement[bool]]:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationFailed({"date_to": N_("the end of the period is before its start")})
    zone = ZoneInfo(timezone)
    found: list[ColumnElement[bool]] = []
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, zone).astimezone(UTC)
        found.append(MailMessage.occurred_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, zone).astimezone(UTC)
        found.append(MailMessage.occurred_at < end)
    return found


def attachment_counts(letter_ids: Sequence[int]) -> dict[int, int]:
    """Downloadable (not inline) attachments per letter."""
    if not letter_ids:
        return {}
    stmt = (
        select(MailAttachment.message_id, func.count())
        .where(MailAttachment.message_id.in_(letter_ids), MailAttachment.is_inline.is_(False))
        .group_by(MailAttachment.message_id)
    )
    return {int(k): int(v) for k, v in db.session.execute(stmt).all()}


def encode_cursor(at: datetime, ident: int) -> str:
    """An opaque URL-safe token of a letter's sort key."""
    raw = f"{at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%f')}|{ident}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, int]:
    """The sort key in a token made by ``encode_cursor``; ``ValidationFailed`` for anything else."""
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        stamp, ident = raw.split("|")
        return datetime.strptime(stamp, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC), int(ident)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise ValidationFailed({"after": N_("not a letter-list position")}) from exc


# --- one letter, its files, printing, the picker -----------------------------------------------------------


def attachments_of(letter_id: int, *, include_inline: bool = False) -> list[MailAttachment]:
    """A letter's files without their bytes (the reading pane lists them)."""
    stmt = (
        select(MailAttachment)
        .options(defer(MailAttachment.content))
        .where(MailAttachment.message_id == letter_id)
        .order_by(MailAttachment.id)
    )
    if not include_inline:
        stmt = stmt.where(MailAttachment.is_inline.is_(False))
    return list(db.session.scalars(stmt))


def attachment_by_id(attachment_id: int) -> MailAttachment:
    """One attachment with its bytes (``NotFound``); whoever may open its letter may download it — the caller
    checks that with ``crm.mail.letters.get_letter``."""
    attachment = db.session.get(MailAttachment, attachment_id)
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}")
    return attachment


def inline_images(letter_id: int) -> dict[str, int]:
    """``content_id -> attachment id`` of a letter's images (for ``cid:`` references in its HTML)."""
    stmt = select(MailAttachment.content_id, MailAttachment.id).where(
        MailAttachment.message_id == letter_id, MailAttachment.content_id != ""
    )
    return {cid.strip("<>"): int(ident) for cid, ident in db.session.execute(stmt).all()}


def letters_for_print(user: User, letter_ids: Sequence[int]) -> list[MailMessage]:
    """The chosen letters of ``user``'s accounts, oldest first, for one printable page (at most 100)."""
    ids = list(dict.fromkeys(letter_ids))[:MAX_PRINT]
    accounts = usable_account_ids(user)
    if not ids or not accounts:
        return []
    stmt = (
        select(MailMessage)
        .where(MailMessage.id.in_(ids), MailMessage.account_id.in_(accounts))
        .order_by(MailMessage.occurred_at, MailMessage.id)
    )
    return list(db.session.scalars(stmt))


def attachment_names(letter_ids: Sequence[int]) -> dict[int, list[str]]:
    """The file names of each letter's downloadable attachments."""
    names: dict[int, list[str]] = {}
    if not letter_ids:
        return names
    stmt = (
        select(MailAttachment.message_id, MailAttachment.filename)
        .where(MailAttachment.message_id.in_(letter_ids), MailAttachment.is_inline.is_(False))
        .order_by(MailAttachment.id)
    )
    for letter_id, name in db.session.execute(stmt).all():
        names.setdefault(int(letter_id), []).append(name)
    return names


def picker_page(user: User, text: str = "", *, after: str | None = None, limit: int = 30) -> LetterPage:
    """Every incoming and outgoing letter of ``user``'s accounts for the "Add letter" picker (SPEC #31)."""
    page = letter_page(user, LetterFilters(text=text), after=after, limit=limit)
    return page


def usable_letters(user: User, letter_ids: Sequence[int]) -> list[MailMessage]:
    """Those of ``letter_ids`` in accounts ``user`` may use (the rest are silently left out), by id."""
    accounts = usable_account_ids(user)
    if not letter_ids or not accounts:
        return []
    stmt = (
        select(MailMessage)
        .options(load_only(MailMessage.id, MailMessage.subject, MailMessage.from_address, MailMessage.size))
        .where(MailMessage.id.in_(list(letter_ids)), MailMessage.account_id.in_(accounts))
        .order_by(MailMessage.id)
    )
    return list(db.session.scalars(stmt))


# --- "show all letters of the sender" (SPEC #41) ------------------------------------------------------------


@dataclass(frozen=True)
class SenderTarget:
    """Where "show all letters of the sender" leads: a card (contact → its client's card, client, potential
    client) whose e-mail matches, or — with no visible match — the letter list filtered by the address."""

    kind: str  # contact | client | lead | list
    address: str
    client_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None


def sender_target(user: User, address: str) -> SenderTarget:
    """The card of the sender ``address`` that ``user`` may open, contact persons first, then clients, then
    potential clients; ``kind="list"`` when none matches."""
    normalized = address.strip().lower()
    if not normalized or "@" not in normalized:
        raise ValidationFailed({"address": N_("not an e-mail address")})
    stmt = (
        select(ContactDetail.client_id, ContactDetail.contact_id)
        .join(Client, Client.id == ContactDetail.client_id)
        .where(
            ContactDetail.kind == EMAIL,
            ContactDetail.normalized == normalized,
            Client.merged_into_id.is_(None),
            Client.is_active.is_(True),
            visible_clients_clause(user),
        )
        .order_by(ContactDetail.contact_id.is_(None), ContactDetail.id)
        .limit(1)
    )
    found = db.session.execute(stmt).first()
    if found is not None:
        client_id, contact_id = found
        kind = "contact" if contact_id is not None else "client"
        return SenderTarget(kind, normalized, client_id=client_id, contact_id=contact_id)
    lead_id = db.session.scalar(
        select(Lead.id)
        .where(Lead.email_normalized == normalized, visible_leads_clause(user))
        .order_by(Lead.id.desc())
        .limit(1)
    )
    if lead_id is not None:
        return SenderTarget("lead", normalized, lead_id=lead_id)
    return SenderTarget("list", normalized)


# --- administration ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountListPage:
    accounts: list[MailAccount]
    total: int
    members: dict[int, int]  # account id -> member count


def account_list(
    *, text: str = "", kind: str = "", active: bool | None = None, offset: int = 0, limit: int = 25
) -> AccountListPage:
    """Mail accounts for the administrators' list, by name: filter by name/address, kind and state."""
    conditions: list[ColumnElement[bool]] = []
    needle = text.strip().lower()
    if needle:
        conditions.append(
            or_(
                func.lower(MailAccount.name).contains(needle, autoescape=True),
                func.lower(MailAccount.email_address).contains(needle, autoescape=True),
            )
        )
    if kind:
        conditions.append(MailAccount.kind == kind)
    if active is not None:
        conditions.append(MailAccount.is_active.is_(active))
    total = int(db.session.scalar(select(func.count()).select_from(MailAccount).where(*conditions)) or 0)
    rows = list(
        db.session.scalars(
            select(MailAccount)
            .where(*conditions)
            .order_by(func.lower(MailAccount.name), MailAccount.id)
            .offset(offset)
            .limit(limit)
        )
    )
    members = dict(
        db.session.execute(
            select(MailAccountMember.account_id, func.count())
            .where(MailAccountMember.account_id.in_([a.id for a in rows]))
            .group_by(MailAccountMember.account_id)
        ).all()
    )
    return AccountListPage(rows, total, {int(k): int(v) for k, v in members.items()})


def account_members(account_id: int) -> list[MailAccountMember]:
    """The members of an account with their sender names."""
    stmt = select(MailAccountMember).where(MailAccountMember.account_id == account_id)
    return list(db.session.scalars(stmt.order_by(MailAccountMember.id)))


def account_folders(account_id: int) -> list[MailFolder]:
    """An account's folders, inbox first."""
    folders = db.session.scalars(select(MailFolder).where(MailFolder.account_id == account_id))
    return sorted(folders, key=lambda f: (ROLE_ORDER.get(f.role or "", 9), f.name.lower()))


def memberships_of(user: User) -> list[tuple[MailAccount, str]]:
    """Accounts ``user`` may use with the personal sender name set on each ('' when none)."""
    names = dict(
        db.session.execute(
            select(MailAccountMember.account_id, MailAccountMember.sender_name).where(
                MailAccountMember.user_id == user.id
            )
        ).all()
    )
    return [(a, names.get(a.id, "")) for a in accounts_for_user(user)]


# --- names shown next to letters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterLabels:
    """Names for the ids a page of letters carries, one query per kind."""

    users: dict[int, str]
    groups: dict[int, str]
    clients: dict[int, str]
    leads: dict[int, str]
    interests: dict[int, str]
    tickets: dict[int, str]
    accounts: dict[int, str]


def letter_labels(letters: Sequence[MailMessage]) -> LetterLabels:
    """Responsible users and groups, linked clients, potential clients, interests, tickets and accounts."""
    from crm.accounts.models import Group
    from crm.deals.models import Interest
    from crm.support.models import Ticket

    def names(column_id, column_name, ids):  # type: ignore[no-untyped-def]
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        return {
            int(k): v
            for k, v in db.session.execute(select(column_id, column_name).where(column_id.in_(wanted)))
        }

    return LetterLabels(
        users=names(User.id, User.full_name, (m.responsible_id for m in letters)),
        groups=names(Group.id, Group.name, (m.responsible_group_id for m in letters)),
        clients=names(Client.id, Client.name, (m.client_id for m in letters)),
        leads=names(Lead.id, Lead.name, (m.lead_id for m in letters)),
        interests=names(Interest.id, Interest.title, (m.interest_id for m in letters)),
        tickets=names(Ticket.id, Ticket.subject, (m.ticket_id for m in letters)),
        accounts=names(MailAccount.id, MailAccount.name, (m.account_id for m in letters)),
    )


def raw_bytes(letter: MailMessage) -> bytes | None:
    """The letter exactly as received or sent (for "Download .eml")."""
    from crm.mail.models import MailRawMessage

    if letter.raw_id is None:
        return None
    return db.session.scalar(select(MailRawMessage.content).where(MailRawMessage.id == letter.raw_id))


def shared_signatures() -> list[MailSignature]:
    """Every shared signature, switched-off ones too (administrators turn them on again), by name."""
    stmt = select(MailSignature).where(MailSignature.owner_id.is_(None))
    return list(db.session.scalars(stmt.order_by(MailSignature.name, MailSignature.id)))


def waiting_lead_letters(user: User, scenario: str) -> int:
    """Lead letters of ``scenario`` (SPEC #35) still with a group, not a person, in the accounts ``user``
    uses: what the My sales / Support workplaces point to (take or reject them in the mail page)."""
    filters = LetterFilters(lead_scenario=scenario, responsible="group")
    return _count(_letter_conditions(user, filters, None, "UTC"))


def _count(conditions: Sequence[ColumnElement[bool]]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(MailMessage).where(*conditions)) or 0)
