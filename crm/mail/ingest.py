"""Synchronising an account's folders from its IMAP server into the CRM (``sync_account``).

Per synced folder, ``fetch_new`` brings the messages above the stored ``last_uid`` (under the stored
``uidvalidity``) in batches; each batch is one transaction: the letters (raw bytes always kept, parsed fields,
attachments, thread key), their links, Responsible, sorting rules, lead marking, Feed rows and auto-replies,
plus the folder's new ``last_uid``. ``(folder, uid)`` is unique, so a reconnect never stores a letter twice;
when the server renumbers a folder (UIDVALIDITY changed) the stored letters lose their UIDs and the resync
finds each one again by Message-ID in that folder (or by its bytes when it has none) instead of storing a
copy. The same happens to a letter the CRM moved: the target folder's next sync gives it its new UID.

A letter whose storing fails anyway is still stored bare — raw bytes and the problem — and shown.
After the commit a job per incoming letter (``crm.mail.incoming.after_receive``) opens leads and tells the
route maps (``mail.received``), so a failing trigger never loses a letter.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from connectors.mail.interfaces import FetchBatch, FetchedMessage, IncomingMailbox, MailError
from crm.errors import CrmError
from crm.mail.folders import apply_folder_list, lead_scenario_of
from crm.mail.linking import (
    AddressBook,
    choose_responsible,
    link_letter_documents,
    post_letter_to_feed,
    scenario_group_id,
    sender_names,
)
from crm.mail.models import (
    DIRECTION_IN,
    DIRECTION_OUT,
    ROLE_INBOX,
    ROLE_SENT,
    MailAccount,
    MailFolder,
    MailMessage,
    MailRawMessage,
    MailSortingRule,
)
from crm.mail.rules import ServerChange, apply_rules, list_rules
from crm.mail.storing import (
    ID_MAX,
    add_attachments,
    build_bare_letter,
    build_letter,
    clean_text,
    raw_row,
    safe_parse,
)
from crm.mail.transport import open_mailbox
from engine.db import db, utcnow
from engine.jobs import enqueue

log = logging.getLogger(__name__)

AFTER_RECEIVE = "crm.mail.after_receive"
BATCH_SIZE = 100
MAX_BATCHES_PER_FOLDER = 50  # one run stores at most 5,000 letters per folder; the next run goes on
COMMIT_RETRIES = 3


@dataclass
class SyncResult:
    """What one synchronisation did."""

    account_id: int
    folders: int = 0
    stored: int = 0
    skipped: int = 0  # already stored (a concurrent or repeated sync)
    reattached: int = 0  # known letters found again under a new UID
    error: str = ""  # the account-level problem, in words (also in account.last_error)
    folder_errors: list[str] = field(default_factory=list)
    letter_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error and not self.folder_errors


@dataclass
class _Context:
    account: MailAccount
    mailbox: IncomingMailbox
    book: AddressBook
    names: dict[str, int]
    rules: list[MailSortingRule]
    website_sender: str
    result: SyncResult
    server_changes: list[ServerChange] = field(default_factory=list)  # to push after the commit
    groups: dict[str | None, int | None] = field(default_factory=dict)
    done: set[int] = field(default_factory=set)  # folders synced in this run
    moved_into: set[int] = field(default_factory=set)  # folders the rules moved letters into

    def group_of(self, scenario: str | None) -> int | None:
        """The group that works a lead scenario's letters (remembered for the run)."""
        if scenario not in self.groups:
            self.groups[scenario] = scenario_group_id(scenario)
        return self.groups[scenario]


def sync_account(account_id: int, *, max_batches: int = MAX_BATCHES_PER_FOLDER) -> SyncResult:
    """Fetch and store the new letters of every synced folder of an account; commits per batch.

    A problem is stored in ``account.last_error`` in words (and cleared by the next good run); it never
    raises for a server problem, so one broken account does not stop the others.
    """
    result = SyncResult(account_id)
    account = db.session.get(MailAccount, account_id)
    if account is None or not account.is_active or not account.imap_host:
        result.error = "the account is switched off or has no IMAP server"
        db.session.rollback()
        return result
    try:
        with open_mailbox(account) as mailbox:
            _discover_folders(account, mailbox)
            ctx = _Context(
                account=account,
                mailbox=mailbox,
                book=AddressBook(),
                names=sender_names(account.id),
                rules=[r for r in list_rules(account.id) if r.is_active],
                website_sender=_website_sender(),
                result=result,
            )
            rows = db.session.execute(
                select(MailFolder.id, MailFolder.role)
                .where(MailFolder.account_id == account.id, MailFolder.is_synced.is_(True))
                .order_by(MailFolder.id)
            ).all()
            # The inbox first: its rules move letters to other folders, synced after it in the same run.
            folder_ids = [i for i, role in rows if role == ROLE_INBOX] + [
                i for i, role in rows if role != ROLE_INBOX
            ]
            for folder_id in folder_ids:
                result.folders += 1
                _sync_folder_reporting(ctx, folder_id, max_batches)
                ctx.done.add(folder_id)
            # A rule of a later folder moved letters into one synced already: give them their UIDs now.
            for folder_id in sorted(ctx.moved_into & ctx.done):
                _sync_folder_reporting(ctx, folder_id, max_batches)
    except MailError as exc:
        db.session.rollback()
        result.error = str(exc)
    except CrmError as exc:  # e.g. the stored password cannot be decrypted
        db.session.rollback()
        result.error = str(exc)
    except Exception as exc:  # a bug must not stop the other accounts; the log has the trace
        log.exception("mail sync of account %s failed", account_id)
        db.session.rollback()
        result.error = f"synchronisation failed unexpectedly ({type(exc).__name__}: {exc})"
    _record_outcome(account_id, result)
    return result


def _sync_folder_reporting(ctx: _Context, folder_id: int, max_batches: int) -> None:
    try:
        _sync_folder(ctx, folder_id, max_batches)
    except MailError as exc:
        db.session.rollback()
        row = db.session.get(MailFolder, folder_id)
        ctx.result.folder_errors.append(f"{row.name if row else folder_id}: {exc}")


def _record_outcome(account_id: int, result: SyncResult) -> None:
    account = db.session.get(MailAccount, account_id)
    if account is None:
        return
    problems = [result.error] if result.error else []
    problems += result.folder_errors
    account.last_error = "; ".join(problems)[:4000]
    account.last_sync_at = utcnow()
    db.session.commit()


def _website_sender() -> str:
    """The website form's sender address while the website_request trigger is on (its letters are the
    trigger's, not a lead folder's), else ''."""
    from crm.triggers import trigger_state

    state = trigger_state("website_request")
    return str(state.params.get("website_sender") or "").strip().lower() if state.enabled else ""


def _discover_folders(account: MailAccount, mailbox: IncomingMailbox) -> None:
    """Follow the server's folder list: a new "Leads" folder is synced from its first letter, a folder gone
    from the server is no longer asked for."""
    apply_folder_list(account, mailbox.list_folders())
    db.session.commit()


def _sync_folder(ctx: _Context, folder_id: int, max_batches: int) -> None:
    for _ in range(max_batches):
        folder = db.session.get(MailFolder, folder_id)
        if folder is None:
            return
        batch = ctx.mailbox.fetch_new(folder.name, folder.uidvalidity, folder.last_uid, limit=BATCH_SIZE)
        for attempt in range(COMMIT_RETRIES):
            try:
                _store_batch(ctx, folder_id, batch)
                break
            except IntegrityError:  # another sync stored some of these first: take what is left
                db.session.rollback()
                if attempt == COMMIT_RETRIES - 1:
                    raise
        _push_server_changes(ctx)
        if not batch.has_more:
            return


class _LetterFailed(Exception):
    """Storing one letter of a batch failed at ``step``; the batch is redone without that step for it."""

    def __init__(self, uid: int, step: str, problem: str) -> None:
        super().__init__(problem)
        self.uid, self.step, self.problem = uid, step, problem


@dataclass
class _Attempt:
    """What one attempt at a batch did (counted only when it commits)."""

    bare: dict[int, str]  # uid -> problem: store only the raw bytes and the problem
    quiet: set[int]  # uids whose auto-reply failed: store them without one
    stored: int = 0
    skipped: int = 0
    reattached: int = 0
    letter_ids: list[int] = field(default_factory=list)
    after_receive: list[int] = field(default_factory=list)
    server_changes: list[ServerChange] = field(default_factory=list)


def _store_batch(ctx: _Context, folder_id: int, batch: FetchBatch) -> None:
    """Store a batch in one transaction. A letter that fails is not allowed to cost the others: the batch is
    rolled back and redone with that letter stored bare (or without its auto-reply). No savepoints on the
    way: jobs are queued at the end, right before the commit (``engine.jobs`` sends its queue when any
    transaction, a savepoint too, commits)."""
    bare: dict[int, str] = {}
    quiet: set[int] = set()
    for _ in range(2 * len(batch.messages) + 1):
        attempt = _Attempt(bare, quiet)
        try:
            _store_batch_once(ctx, folder_id, batch, attempt)
        except _LetterFailed as failure:
            db.session.rollback()
            if failure.uid in bare or (failure.step == "autoreply" and failure.uid in quiet):
                raise RuntimeError(
                    f"letter uid {failure.uid} cannot be stored: {failure.problem}"
                ) from failure
            if failure.step == "autoreply":
                quiet.add(failure.uid)
            else:
                bare[failure.uid] = f"the letter could not be processed ({failure.problem})"
            continue
        ctx.result.stored += attempt.stored
        ctx.result.skipped += attempt.skipped
        ctx.result.reattached += attempt.reattached
        ctx.result.letter_ids += attempt.letter_ids
        ctx.server_changes += attempt.server_changes
        return


def _store_batch_once(ctx: _Context, folder_id: int, batch: FetchBatch, attempt: _Attempt) -> None:
    # Locked (PostgreSQL) and read afresh: a concurrent sync of the same folder waits here, then sees the
    # last_uid this one committed and skips what is stored already.
    folder = db.session.scalars(
        select(MailFolder)
        .where(MailFolder.id == folder_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if folder.uidvalidity != batch.uidvalidity:
        if folder.uidvalidity is not None:
            # The server renumbered the folder: the stored UIDs mean nothing now.
            db.session.execute(
                update(MailMessage).where(MailMessage.folder_id == folder.id).values(uid=None),
                execution_options={"synchronize_session": False},
            )
        folder.uidvalidity = batch.uidvalidity
        folder.last_uid = 0
    uids = [m.uid for m in batch.messages]
    stored_uids = set(
        db.session.scalars(
            select(MailMessage.uid).where(MailMessage.folder_id == folder.id, MailMessage.uid.in_(uids))
        )
        if uids
        else ()
    )
    detached = _has_detached_letters(ctx.account, folder)
    for fetched in batch.messages:
        if fetched.uid in stored_uids:
            attempt.skipped += 1
            continue
        _store_message(ctx, folder, fetched, detached, attempt)
    if uids:
        folder.last_uid = max(folder.last_uid or 0, *uids)
    folder.last_synced_at = utcnow()
    for letter_id in attempt.after_receive:
        enqueue(AFTER_RECEIVE, letter_id)
    db.session.commit()


def _has_detached_letters(account: MailAccount, folder: MailFolder) -> bool:
    """Whether a fetched message may be a letter we know already (uid lost to a move or a renumbering, or
    sent by the CRM and now seen in Sent): only then is each message looked up by Message-ID."""
    condition = and_(MailMessage.folder_id == folder.id, MailMessage.uid.is_(None))
    if folder.role == ROLE_SENT:
        condition = or_(
            condition, and_(MailMessage.folder_id.is_(None), MailMessage.direction == DIRECTION_OUT)
        )
    found = db.session.scalar(
        select(MailMessage.id).where(MailMessage.account_id == account.id, condition).limit(1)
    )
    return found is not None


def _reattach(folder: MailFolder, fetched: FetchedMessage, message_id: str, account_id: int) -> bool:
    """Give a known letter without UID its new UID in ``folder`` instead of storing it again."""
    query = select(MailMessage).where(MailMessage.account_id == account_id, MailMessage.uid.is_(None))
    if message_id:
        place = MailMessage.folder_id == folder.id
        if folder.role == ROLE_SENT:
            place = or_(place, and_(MailMessage.folder_id.is_(None), MailMessage.direction == DIRECTION_OUT))
        query = query.where(MailMessage.message_id == message_id, place)
    else:
        digest = hashlib.sha256(fetched.raw).hexdigest()
        query = query.join(MailRawMessage, MailRawMessage.id == MailMessage.raw_id).where(
            MailMessage.folder_id == folder.id, MailRawMessage.sha256 == digest
        )
    letter = db.session.scalars(query.order_by(MailMessage.id).limit(1)).first()
    if letter is None:
        return False
    letter.folder_id, letter.uid = folder.id, fetched.uid
    db.session.flush()
    return True


def _store_message(
    ctx: _Context, folder: MailFolder, fetched: FetchedMessage, detached: bool, attempt: _Attempt
) -> None:
    problem = attempt.bare.get(fetched.uid)
    if problem is not None:
        letter = build_bare_letter(ctx.account.id, folder, fetched, problem)
        if letter.direction == DIRECTION_IN:
            attempt.after_receive.append(letter.id)
    else:
        parsed = safe_parse(fetched.raw)
        if detached and _reattach(folder, fetched, clean_text(parsed.message_id, ID_MAX), ctx.account.id):
            attempt.reattached += 1
            return
        try:
            letter = build_letter(ctx.account.id, folder, fetched, parsed, raw_row(fetched.raw))
            add_attachments(letter, parsed)
            _process(ctx, folder, letter, attempt, fetched.uid, automated=parsed.is_automated)
        except (MailError, IntegrityError, _LetterFailed):
            raise
        except Exception as exc:  # redo the batch with this letter stored bare: nothing is missed
            log.exception("storing letter uid %s of folder %s failed", fetched.uid, folder.id)
            raise _LetterFailed(fetched.uid, "store", f"{type(exc).__name__}: {exc}") from exc
    attempt.stored += 1
    attempt.letter_ids.append(letter.id)


def _process(
    ctx: _Context, folder: MailFolder, letter: MailMessage, attempt: _Attempt, uid: int, *, automated: bool
) -> None:
    """Links, Responsible, lead marking, rules, Feed row and auto-reply of a freshly stored letter."""
    link_letter_documents(letter, ctx.book)
    if letter.direction != DIRECTION_IN:
        post_letter_to_feed(letter)
        return
    letter.lead_scenario = _lead_scenario(ctx, folder, letter, automated)
    choose_responsible(letter, ctx.names)
    outcome = apply_rules(letter, rules=ctx.rules)
    attempt.server_changes += outcome.server_changes
    if outcome.deleted:
        letter.lead_scenario = None
    elif letter.folder_id != folder.id:  # a rule moved it: the new folder decides whether it is a lead
        moved_to = db.session.get(MailFolder, letter.folder_id) if letter.folder_id else None
        letter.lead_scenario = _lead_scenario(ctx, moved_to, letter, automated)
    if letter.responsible_id is None:
        letter.responsible_group_id = ctx.group_of(letter.lead_scenario)
    db.session.flush()
    post_letter_to_feed(letter)
    if outcome.deleted:
        return
    if uid not in attempt.quiet:
        _autoreply(letter, uid)
    attempt.after_receive.append(letter.id)


def _lead_scenario(
    ctx: _Context, folder: MailFolder | None, letter: MailMessage, automated: bool
) -> str | None:
    """The lead scenario of an incoming letter: a lead folder's, unless a robot sent it (bounces and
    auto-replies open no interests) or it is the website form's (the website_request trigger's)."""
    if automated or (ctx.website_sender and letter.from_address == ctx.website_sender):
        return None
    return lead_scenario_of(ctx.account, folder)


def _autoreply(letter: MailMessage, uid: int) -> None:
    """The account's auto-responder (SPEC #40); when it fails the batch is redone without it for this
    letter, so it never costs the letter."""
    from crm.mail.autoreply import maybe_autoreply

    try:
        maybe_autoreply(letter)
    except Exception as exc:
        log.exception("the auto-responder failed on letter uid %s", uid)
        raise _LetterFailed(uid, "autoreply", f"{type(exc).__name__}: {exc}") from exc


def _push_server_changes(ctx: _Context) -> None:
    """Tell the server what the rules did (after the commit: the CRM's copy is the truth)."""
    changes, ctx.server_changes = ctx.server_changes, []
    if not changes:
        return
    names = {
        f.id: f.name
        for f in db.session.scalars(select(MailFolder).where(MailFolder.account_id == ctx.account.id))
    }
    for change in changes:
        try:
            apply_server_change(ctx.mailbox, names, change)
        except MailError as exc:
            ctx.result.folder_errors.append(f"{names.get(change.folder_id, change.folder_id)}: {exc}")
        else:
            if change.target_folder_id is not None:
                ctx.moved_into.add(change.target_folder_id)


def apply_server_change(mailbox: IncomingMailbox, names: dict[int, str], change: ServerChange) -> None:
    """Move a letter or set its flags on the server (``names``: folder id -> server name)."""
    source = names[change.folder_id]
    if change.flags:
        mailbox.set_flags(source, [change.uid], list(change.flags), True)
    if change.target_folder_id is not None:
        mailbox.move(source, [change.uid], names[change.target_folder_id])


def push_changes(account: MailAccount, changes: Sequence[ServerChange]) -> None:
    """Open the account's mailbox and apply ``changes``; raises ``MailError`` in words."""
    if not changes:
        return
    names = {
        f.id: f.name
        for f in db.session.scalars(select(MailFolder).where(MailFolder.account_id == account.id))
    }
    with open_mailbox(account) as mailbox:
        for change in changes:
            apply_server_change(mailbox, names, change)
