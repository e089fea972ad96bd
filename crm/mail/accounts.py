"""Mail accounts: who manages them, who uses them, their members' personal sender names (SPEC #33).

Administrators manage shared accounts (and may manage anybody's personal one); a user manages his own
personal account. A user *uses* an account (reads its letters, writes from it) when he owns it or is one of
its members. Folder discovery, lead folders and the connection check live in ``crm.mail.folders`` and
``crm.mail.connection`` and are re-exported here, the module the rest of the CRM imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import or_, select

from crm.accounts.models import ADMINISTRATOR, User
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.mail.account_fields import DEFAULT_PORTS, clean_account_fields
from crm.mail.connection import check_connection
from crm.mail.folders import refresh_folders, set_lead_folders
from crm.mail.models import (
    ACCOUNT_PERSONAL,
    ACCOUNT_SHARED,
    SECURITY_SSL,
    MailAccount,
    MailAccountMember,
)
from crm.messages import N_, Message
from engine.db import db

__all__ = [
    "accounts_for_user",
    "can_manage_account",
    "can_use_account",
    "check_connection",
    "create_account",
    "ensure_can_manage",
    "get_account",
    "members_of",
    "refresh_folders",
    "set_lead_folders",
    "set_members",
    "set_sender_name",
    "update_account",
]

SENDER_NAME_MAX = 200


def _is_admin(user: User) -> bool:
    return ADMINISTRATOR in user.role_codes


def can_manage_account(actor: User, account: MailAccount) -> bool:
    """Administrators manage every account; a user manages his own personal account."""
    return _is_admin(actor) or (account.kind == ACCOUNT_PERSONAL and account.owner_id == actor.id)


def ensure_can_manage(actor: User, account: MailAccount) -> None:
    if not can_manage_account(actor, account):
        raise AccessDenied(
            "only an administrator manages shared mail accounts; a user manages his own personal account"
        )


def _load(account_id: int) -> MailAccount:
    account = db.session.get(MailAccount, account_id)
    if account is None:
        raise NotFound(f"mail account {account_id} not found")
    return account


def get_account(actor: User, account_id: int) -> MailAccount:
    """An account for its settings page, if ``actor`` may manage it."""
    account = _load(account_id)
    ensure_can_manage(actor, account)
    return account


def create_account(actor: User, data: Mapping[str, Any]) -> MailAccount:
    """Create a mail account and commit. ``data``: ``MailAccount`` columns plus ``imap_password`` /
    ``smtp_password`` in plain text. Without ``kind`` an administrator creates a shared account and anybody
    else his own personal one; ports default to the security's usual port (993/143, 465/587/25).

    Raises ``ValidationFailed`` (field errors) or ``AccessDenied``.
    """
    data = dict(data)
    data.setdefault("kind", ACCOUNT_SHARED if _is_admin(actor) else ACCOUNT_PERSONAL)
    if data["kind"] == ACCOUNT_PERSONAL and not data.get("owner_id"):
        data["owner_id"] = actor.id
    fields = clean_account_fields(data, creating=True)
    if fields["kind"] == ACCOUNT_SHARED:
        if not _is_admin(actor):
            raise AccessDenied(N_("only an administrator creates shared mail accounts"))
        fields["owner_id"] = None
    elif fields.get("owner_id") != actor.id and not _is_admin(actor):
        raise AccessDenied(N_("you may create a personal mail account for yourself only"))
    for protocol in ("imap", "smtp"):
        security = fields.setdefault(f"{protocol}_security", SECURITY_SSL)
        fields.setdefault(f"{protocol}_port", DEFAULT_PORTS[protocol][security])
    if not fields.get("name"):
        fields["name"] = fields["email_address"]
    account = MailAccount(**fields, created_by_id=actor.id)
    db.session.add(account)
    db.session.commit()
    return account


def update_account(actor: User, account_id: int, data: Mapping[str, Any]) -> MailAccount:
    """Change an account's settings and commit (same keys as ``create_account``; an empty password keeps
    the stored one). Only an administrator changes the kind or the owner."""
    account = _load(account_id)
    ensure_can_manage(actor, account)
    fields = clean_account_fields(data, creating=False)
    changes_owner = ("kind" in fields and fields["kind"] != account.kind) or (
        "owner_id" in fields and fields["owner_id"] != account.owner_id
    )
    if changes_owner and not _is_admin(actor):
        raise AccessDenied(N_("only an administrator changes an account's kind or owner"))
    kind = fields.get("kind", account.kind)
    if kind == ACCOUNT_SHARED:
        fields["owner_id"] = None
    elif fields.get("owner_id", account.owner_id) is None:
        raise ValidationFailed({"owner_id": N_("a personal account needs its owner")})
    for protocol in ("imap", "smtp"):
        old_security = getattr(account, f"{protocol}_security")
        new_security = fields.get(f"{protocol}_security", old_security)
        port_column = f"{protocol}_port"
        # A port left at the old security's usual value follows the new security.
        if (
            new_security != old_security
            and port_column not in fields
            and getattr(account, port_column) == DEFAULT_PORTS[protocol].get(old_security)
        ):
            fields[port_column] = DEFAULT_PORTS[protocol][new_security]
    for name, value in fields.items():
        setattr(account, name, value)
    if not account.name:
        account.name = account.email_address
    db.session.commit()
    return account


def members_of(account_id: int) -> list[MailAccountMember]:
    """The members of an account with their sender names, in the order they were added."""
    return list(
        db.session.scalars(
            select(MailAccountMember)
            .where(MailAccountMember.account_id == account_id)
            .order_by(MailAccountMember.id)
        )
    )


def set_members(actor: User, account_id: int, user_ids: Iterable[int]) -> list[MailAccountMember]:
    """Make exactly ``user_ids`` the members of a shared account (sender names of those who stay are kept);
    commits. A personal account has its owner only."""
    account = _load(account_id)
    ensure_can_manage(actor, account)
    wanted = list(dict.fromkeys(int(u) for u in user_ids))
    if account.kind == ACCOUNT_PERSONAL and any(u != account.owner_id for u in wanted):
        raise ValidationFailed({"members": N_("a personal account belongs to its owner alone")})
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
    missing = [str(u) for u in wanted if u not in users]
    if missing:
        raise ValidationFailed({"members": Message(N_("no such user: %(names)s"), names=", ".join(missing))})
    inactive = [users[u].username for u in wanted if not users[u].is_active]
    if inactive:
        raise ValidationFailed(
            {"members": Message(N_("inactive users cannot use mail: %(names)s"), names=", ".join(inactive))}
        )
    current = {m.user_id: m for m in members_of(account.id)}
    for user_id, member in current.items():
        if user_id not in users:
            db.session.delete(member)
    for user_id in wanted:
        if user_id not in current:
            db.session.add(MailAccountMember(account_id=account.id, user_id=user_id))
    db.session.commit()
    return members_of(account.id)


def set_sender_name(user: User, account_id: int, name: str) -> MailAccountMember:
    """Set ``user``'s personal sender name for an account he uses (SPEC #33; empty = the account's name);
    commits. New letters carry it in From, and incoming letters addressed to it become his (SPEC #34)."""
    account = _load(account_id)
    if not can_use_account(user, account):
        raise AccessDenied(N_("you do not use this mail account"))
    clean = " ".join(str(name or "").split())
    if len(clean) > SENDER_NAME_MAX:
        raise ValidationFailed(
            {"sender_name": Message(N_("at most %(limit)s characters"), limit=SENDER_NAME_MAX)}
        )
    if any(ch in clean for ch in '<>"\\'):
        raise ValidationFailed({"sender_name": 'a sender name cannot contain <, >, " or \\'})
    member = db.session.scalars(
        select(MailAccountMember).where(
            MailAccountMember.account_id == account.id, MailAccountMember.user_id == user.id
        )
    ).first()
    if member is None:  # the owner of a personal account has no member row until he names himself
        member = MailAccountMember(account_id=account.id, user_id=user.id)
        db.session.add(member)
    member.sender_name = clean
    db.session.commit()
    return member


def accounts_for_user(user: User) -> list[MailAccount]:
    """The active accounts ``user`` may read and write from: his own and those he is a member of."""
    members = select(MailAccountMember.account_id).where(MailAccountMember.user_id == user.id)
    stmt = select(MailAccount).where(
        MailAccount.is_active.is_(True),
        or_(MailAccount.owner_id == user.id, MailAccount.id.in_(members)),
    )
    return list(db.session.scalars(stmt.order_by(MailAccount.name, MailAccount.id)))


def can_use_account(user: User, account: MailAccount) -> bool:
    """Whether ``user`` may read the account's letters and write from it."""
    if not account.is_active:
        return False
    if account.owner_id == user.id:
        return True
    return (
        db.session.scalar(
            select(MailAccountMember.id).where(
                MailAccountMember.account_id == account.id, MailAccountMember.user_id == user.id
            )
        )
        is not None
    )
