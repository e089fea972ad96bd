"""An account's folders: discovery from the server, and which of them produce leads for which scenario.

Lead-source folders (SPEC #35): with ``lead_mode`` ``all`` every folder of the account produces leads, with
``selected`` only those marked ``is_lead_source``, with ``off`` none. For each scenario the administrator
picks which of those folders' leads appear in "My sales" (``sales``: a letter opens an interest) and
"Support" (``support``: it opens an appeal); a lead folder in neither list counts as ``sales``. A folder
belongs to one scenario at most, so one letter never opens both an interest and an appeal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select

from connectors.mail.interfaces import FolderInfo
from crm.accounts.models import User
from crm.errors import NotFound, ValidationFailed
from crm.mail.models import (
    LEAD_MODES,
    LEAD_SCENARIOS,
    LEADS_ALL,
    LEADS_OFF,
    LEADS_SELECTED,
    ROLE_DRAFTS,
    ROLE_INBOX,
    ROLE_JUNK,
    ROLE_SENT,
    ROLE_TRASH,
    SCENARIO_SALES,
    SCENARIO_SUPPORT,
    MailAccount,
    MailFolder,
)
from crm.mail.transport import open_mailbox
from crm.messages import N_, Message
from engine.db import db

NO_LEAD_ROLES = (ROLE_TRASH, ROLE_JUNK, ROLE_SENT, ROLE_DRAFTS)


def _account(account_id: int) -> MailAccount:
    account = db.session.get(MailAccount, account_id)
    if account is None:
        raise NotFound(f"mail account {account_id} not found")
    return account


def folders_of(account_id: int) -> list[MailFolder]:
    """The account's folders, inbox first, then by name."""
    folders = db.session.scalars(select(MailFolder).where(MailFolder.account_id == account_id))
    return sorted(folders, key=lambda f: (f.role != ROLE_INBOX, f.name.lower()))


def folder_with_role(account_id: int, role: str) -> MailFolder | None:
    """The account's folder with ``role`` (``trash``, ``sent`` ...), the oldest when there are several."""
    return db.session.scalars(
        select(MailFolder)
        .where(MailFolder.account_id == account_id, MailFolder.role == role)
        .order_by(MailFolder.id)
        .limit(1)
    ).first()


def refresh_folders(account_id: int) -> list[MailFolder]:
    """Read the account's folders from the server and commit: new folders are added (and synced when they
    can hold letters), roles follow the server's SPECIAL-USE flags, and folders gone from the server stop
    being synced (their letters stay). Raises ``MailError`` when the server cannot be reached."""
    account = _account(account_id)
    with open_mailbox(account) as mailbox:
        listed = mailbox.list_folders()
    apply_folder_list(account, listed)
    db.session.commit()
    return folders_of(account.id)


def apply_folder_list(account: MailAccount, listed: Sequence[FolderInfo]) -> None:
    """Bring the account's folder rows in line with the server's list (the caller commits)."""
    known = {
        f.name: f for f in db.session.scalars(select(MailFolder).where(MailFolder.account_id == account.id))
    }
    seen: set[str] = set()
    for info in listed:
        seen.add(info.name)
        folder = known.get(info.name)
        if folder is None:
            folder = MailFolder(account_id=account.id, name=info.name, is_synced=info.selectable, last_uid=0)
            db.session.add(folder)
            known[info.name] = folder
        folder.role = info.role
        if not info.selectable:
            folder.is_synced = False
    for name, folder in known.items():
        if name not in seen:
            folder.is_synced = False
            folder.role = None


def set_lead_folders(
    actor: User,
    account_id: int,
    lead_mode: str,
    lead_folder_ids: Iterable[int],
    scenario_folders: Mapping[str, Iterable[int]],
) -> MailAccount:
    """Choose which folders produce leads (``off`` / ``all`` / ``selected`` + the folders) and, per scenario
    (``sales``, ``support``), which lead folders' leads its workplace shows; commits.

    Raises ``AccessDenied`` (not the account's manager) or ``ValidationFailed`` (field errors).
    """
    from crm.mail.accounts import ensure_can_manage

    account = _account(account_id)
    ensure_can_manage(actor, account)
    errors: dict[str, str] = {}
    if lead_mode not in LEAD_MODES:
        errors["lead_mode"] = "one of: " + ", ".join(LEAD_MODES)
    folders = {f.id: f for f in folders_of(account.id)}
    chosen = {int(i) for i in lead_folder_ids}
    if chosen - set(folders):
        errors["lead_folder_ids"] = N_("choose folders of this account")
    elif lead_mode == LEADS_SELECTED and not chosen:
        errors["lead_folder_ids"] = N_("choose at least one folder, or switch leads to all folders or off")
    sources = set(folders) if lead_mode == LEADS_ALL else chosen if lead_mode == LEADS_SELECTED else set()
    scenarios: dict[str, list[int]] = {}
    owner: dict[int, str] = {}
    for scenario, ids in scenario_folders.items():
        if scenario not in LEAD_SCENARIOS:
            errors["scenario_folders"] = Message(
                N_("scenarios are: %(names)s"), names=", ".join(LEAD_SCENARIOS)
            )
            continue
        picked = sorted({int(i) for i in ids})
        if set(picked) - sources:
            errors[f"scenario_folders.{scenario}"] = N_("choose among the folders that produce leads")
        for folder_id in picked:
            if owner.setdefault(folder_id, scenario) != scenario:
                errors[f"scenario_folders.{scenario}"] = Message(
                    N_("folder %(name)r already shows its leads in another workplace"),
                    name=folders[folder_id].name,
                )
        scenarios[scenario] = picked
    if errors:
        raise ValidationFailed(errors)
    account.lead_mode = lead_mode
    if lead_mode == LEADS_SELECTED:  # with "all" or "off" the last selection is kept for next time
        for folder in folders.values():
            folder.is_lead_source = folder.id in chosen
    account.lead_scenario_folders = {s: scenarios.get(s, []) for s in LEAD_SCENARIOS}
    db.session.commit()
    return account


def lead_scenario_of(account: MailAccount, folder: MailFolder | None) -> str | None:
    """The scenario a letter in ``folder`` is a lead of (``sales``/``support``), or None: not a lead folder.
    Trash, Junk, Sent and Drafts never produce leads."""
    if folder is None or account.lead_mode == LEADS_OFF or folder.role in NO_LEAD_ROLES:
        return None
    if account.lead_mode == LEADS_SELECTED and not folder.is_lead_source:
        return None
    support = (account.lead_scenario_folders or {}).get(SCENARIO_SUPPORT) or []
    return SCENARIO_SUPPORT if folder.id in support else SCENARIO_SALES
