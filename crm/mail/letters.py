"""Working with stored letters: open, mark read, flag, move, delete, take, reject, link to documents.

Who may open a letter: the users of its account (owner, members), its Responsible, the people of its
Responsible group (a lead letter waiting in "My sales" / "Support"), and whoever may see a document it is
linked to (client, potential client, interest, appeal — ``crm.access``). Moving and deleting are mailbox
work: only the account's users do that.

Moves reach the IMAP server first, where the letter has a UID (``MOVE``): when the server refuses, nothing
changes in the CRM and the error is reported (``ValidationFailed`` on ``server``). Moving to the Trash marks
the letter for deletion (SPEC #41). Read and flag marks are saved at once and then copied to the server; a
server problem there is noted on the account instead of failing the click.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from connectors.mail.interfaces import MailError
from crm.access import can_view_client, can_view_lead, can_view_record
from crm.accounts.models import User
from crm.clients.models import Client, Lead
from crm.clients.services import get_client
from crm.deals.models import Interest
from crm.deals.services import get_interest
from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.mail.accounts import can_use_account
from crm.mail.folders import folder_with_role
from crm.mail.ingest import push_changes
from crm.mail.linking import fill_from_documents, repost_letter_to_feed
from crm.mail.models import ROLE_TRASH, MailAccount, MailFolder, MailMessage
from crm.mail.rules import ServerChange, move_letter_locally
from crm.messages import N_, Message
from crm.support.models import Ticket
from crm.support.services import get_ticket
from engine.db import db

MAX_IDS = 500


def can_view_letter(user: User, letter: MailMessage) -> bool:
    """Whether ``user`` may open the letter (see the module's rules)."""
    account = db.session.get(MailAccount, letter.account_id)
    if account is not None and can_use_account(user, account):
        return True
    if letter.responsible_id == user.id:
        return True
    if letter.responsible_group_id and any(
        g.id == letter.responsible_group_id and g.is_active for g in user.groups
    ):
        return True
    for model, ident, check in (
        (Ticket, letter.ticket_id, can_view_record),
        (Interest, letter.interest_id, can_view_record),
        (Client, letter.client_id, can_view_client),
        (Lead, letter.lead_id, can_view_lead),
    ):
        record = db.session.get(model, ident) if ident else None
        if record is not None and check(user, record):
            return True
    return False


def get_letter(user: User, letter_id: int) -> MailMessage:
    """A letter ``user`` may open; ``NotFound`` / ``AccessDenied`` otherwise."""
    letter = db.session.get(MailMessage, letter_id)
    if letter is None:
        raise NotFound(f"letter {letter_id} not found")
    if not can_view_letter(user, letter):
        raise AccessDenied(Message(N_("you have no access to letter %(id)s"), id=letter_id))
    return letter


def _letters(user: User, ids: Iterable[int], *, mailbox_work: bool = False) -> list[MailMessage]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        raise ValidationFailed({"ids": N_("choose at least one letter")})
    if len(wanted) > MAX_IDS:
        raise ValidationFailed({"ids": Message(N_("at most %(limit)s letters at once"), limit=MAX_IDS)})
    letters = [get_letter(user, i) for i in wanted]
    if mailbox_work:
        for letter in letters:
            account = db.session.get(MailAccount, letter.account_id)
            if account is None or not can_use_account(user, account):
                raise AccessDenied(N_("only the users of the letter's mail account may move or delete it"))
    return letters


def mark_read(user: User, ids: Iterable[int], read: bool = True) -> list[MailMessage]:
    """Mark letters read (or unread) and commit; the server's ``\\Seen`` flag follows."""
    return _set_flag(user, ids, "is_read", "\\Seen", read)


def set_flagged(user: User, ids: Iterable[int], flagged: bool) -> list[MailMessage]:
    """Flag (or unflag) letters and commit; the server's ``\\Flagged`` flag follows."""
    return _set_flag(user, ids, "is_flagged", "\\Flagged", flagged)


def _set_flag(user: User, ids: Iterable[int], column: str, flag: str, value: bool) -> list[MailMessage]:
    letters = _letters(user, ids)
    changed = [letter for letter in letters if getattr(letter, column) != value]
    for letter in changed:
        setattr(letter, column, value)
    db.session.commit()
    by_account: dict[int, list[MailMessage]] = defaultdict(list)
    for letter in changed:
        if letter.uid is not None and letter.folder_id is not None:
            by_account[letter.account_id].append(letter)
    for account_id, group in by_account.items():
        account = db.session.get(MailAccount, account_id)
        if account is None or not account.imap_host:
            continue
        try:
            _push_flags(account, group, flag, value)
        except MailError as exc:
            account.last_error = f"could not save marks on the server: {exc}"[:4000]
            db.session.commit()
    return letters


def _push_flags(account: MailAccount, letters: list[MailMessage], flag: str, value: bool) -> None:
    from crm.mail.transport import open_mailbox

    names = {
        f.id: f.name
        for f in db.session.scalars(select(MailFolder).where(MailFolder.account_id == account.id))
    }
    by_folder: dict[int, list[int]] = defaultdict(list)
    for letter in letters:
        by_folder[letter.folder_id or 0].append(letter.uid or 0)
    with open_mailbox(account) as mailbox:
        for folder_id, uids in by_folder.items():
            mailbox.set_flags(names[folder_id], uids, [flag], value)


def move_letters(user: User, ids: Iterable[int], folder_id: int) -> list[MailMessage]:
    """Move letters to a folder of their account (on the server too) and commit; the Trash marks them for
    deletion. Raises ``ValidationFailed`` (``folder_id``, or ``server`` with the server's words)."""
    letters = _letters(user, ids, mailbox_work=True)
    target = db.session.get(MailFolder, int(folder_id))
    if target is None:
        raise ValidationFailed({"folder_id": N_("no such folder")})
    if any(letter.account_id != target.account_id for letter in letters):
        raise ValidationFailed({"folder_id": N_("a letter moves within its own mail account only")})
    _move(letters, target)
    return letters


def delete_letters(user: User, ids: Iterable[int]) -> list[MailMessage]:
    """Delete letters: to their account's Trash, marked for deletion (SPEC #41); a letter already in the
    Trash, or of an account without one, is marked for deletion (``\\Deleted`` on the server). Commits."""
    letters = _letters(user, ids, mailbox_work=True)
    by_account: dict[int, list[MailMessage]] = defaultdict(list)
    for letter in letters:
        by_account[letter.account_id].append(letter)
    for account_id, group in by_account.items():
        trash = folder_with_role(account_id, ROLE_TRASH)
        to_trash = [letter for letter in group if trash is not None and letter.folder_id != trash.id]
        in_place = [letter for letter in group if letter not in to_trash]
        if trash is not None and to_trash:
            _move(to_trash, trash)
        if in_place:
            changes = [
                ServerChange(letter.folder_id, letter.uid, flags=("\\Deleted",))
                for letter in in_place
                if letter.uid is not None and letter.folder_id is not None
            ]
            _push_or_refuse(db.session.get(MailAccount, account_id), changes)
            for letter in in_place:
                letter.marked_for_deletion = True
            db.session.commit()
    return letters


def _move(letters: list[MailMessage], target: MailFolder) -> None:
    """Move letters of one account on the server, folder by folder, then in the CRM (each folder's letters
    are saved as soon as the server moved them, so a later failure leaves no moved letter behind)."""
    account = db.session.get(MailAccount, target.account_id)
    by_source: dict[int | None, list[MailMessage]] = defaultdict(list)
    for letter in letters:
        if letter.folder_id != target.id:
            by_source[letter.folder_id if letter.uid is not None else None].append(letter)
    for source_id, group in by_source.items():
        if source_id is not None:
            changes = [
                ServerChange(source_id, letter.uid or 0, target_folder_id=target.id) for letter in group
            ]
            _push_or_refuse(account, changes)
        for letter in group:
            move_letter_locally(letter, target)
        db.session.commit()


def _push_or_refuse(account: MailAccount | None, changes: list[ServerChange]) -> None:
    if account is None or not changes or not account.imap_host:
        return
    try:
        push_changes(account, changes)
    except MailError as exc:
        db.session.rollback()
        raise ValidationFailed(
            {"server": Message(N_("the mail server did not do it: %(error)s"), error=str(exc))}
        ) from exc


def take_letter(user: User, letter_id: int) -> MailMessage:
    """Take a letter: ``user`` becomes its Responsible (it leaves its group's queue); commits. A letter
    another user is responsible for cannot be taken."""
    letter = get_letter(user, letter_id)
    if letter.responsible_id not in (None, user.id):
        raise ValidationFailed({"responsible_id": N_("another user is responsible for this letter already")})
    letter.responsible_id, letter.responsible_group_id = user.id, None
    db.session.commit()
    return letter


def reject_letter(user: User, letter_id: int) -> MailMessage:
    """Reject a role-assigned letter in "My sales", "Support" or "My affairs" (SPEC #41): the rejecting user
    becomes its Responsible, so the rejection has an owner. Commits."""
    letter = get_letter(user, letter_id)
    if letter.responsible_group_id is None and letter.responsible_id not in (None, user.id):
        raise ValidationFailed(
            {"responsible_id": "only a letter waiting for its group (or yours) can be rejected"}
        )
    letter.responsible_id, letter.responsible_group_id = user.id, None
    db.session.commit()
    return letter


def link_letter(
    user: User,
    letter_id: int,
    *,
    client_id: int | None = None,
    interest_id: int | None = None,
    ticket_id: int | None = None,
) -> MailMessage:
    """Link a letter by hand to a client, an interest and/or an appeal the user may see (their owners are
    filled in); the letter's Feed row moves to them. Commits."""
    letter = get_letter(user, letter_id)
    if not (client_id or interest_id or ticket_id):
        raise ValidationFailed({"client_id": N_("choose a client, an interest or an appeal")})
    client = get_client(user, client_id) if client_id else None
    interest = get_interest(user, interest_id) if interest_id else None
    ticket = get_ticket(user, ticket_id) if ticket_id else None
    if ticket is not None:
        letter.ticket_id = ticket.id
        letter.client_id, letter.contact_id, letter.lead_id = (
            ticket.client_id,
            ticket.contact_id,
            ticket.lead_id,
        )
        letter.interest_id = ticket.interest_id or letter.interest_id
    if interest is not None:
        letter.interest_id = interest.id
        letter.client_id, letter.contact_id, letter.lead_id = (
            interest.client_id,
            interest.contact_id,
            interest.lead_id,
        )
    if client is not None and letter.client_id != client.id:
        letter.client_id, letter.contact_id = client.id, None
    fill_from_documents(letter)
    repost_letter_to_feed(letter)
    db.session.commit()
    return letter
