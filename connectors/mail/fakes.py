"""In-memory stand-ins for unit tests of code that uses ``IncomingMailbox`` and ``OutgoingMailer``.

``InMemoryMailbox`` is the server and the session in one object: what a test delivers stays there across
``with`` blocks, like a real account. It keeps the IMAP rules the CRM relies on: UIDs grow per folder and are
never reused, a recreated folder gets a new UIDVALIDITY, ``fetch_new`` returns UIDs above the last one, oldest
first, cut at ``limit``. It never sleeps: ``wait_for_changes`` answers at once. Both fakes can be told to fail.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from connectors.mail.headers import first_message_id
from connectors.mail.interfaces import (
    FetchBatch,
    FetchedMessage,
    FolderInfo,
    MailConnectionFailed,
    MailError,
    MailSendFailed,
    ServerSettings,
)
from connectors.mail.parsing import ParsedMessage, parse_message

_uidvalidity_counter = itertools.count(1000)


@dataclass
class FakeFolder:
    name: str
    role: str | None = None
    uidvalidity: int = field(default_factory=lambda: next(_uidvalidity_counter))
    uidnext: int = 1
    messages: dict[int, FetchedMessage] = field(default_factory=dict)  # uid -> message


class _Failures:
    """Raise ``error`` on the next ``times`` operations (``times=None``: until ``clear``)."""

    def __init__(self) -> None:
        self.error: Exception | None = None
        self.remaining: int | None = 0

    def set(self, error: Exception, times: int | None) -> None:
        self.error, self.remaining = error, times

    def clear(self) -> None:
        self.error, self.remaining = None, 0

    def check(self) -> None:
        if self.error is None or self.remaining == 0:
            return
        error = self.error
        if self.remaining is not None:
            self.remaining -= 1
            if self.remaining == 0:
                self.error = None
        raise error


class InMemoryMailbox:
    """An IMAP account in memory. Use as the mailbox factory: ``install_transport(mailbox.factory, ...)``."""

    def __init__(self, folders: Iterable[str] = ("INBOX",), *, uidplus: bool = True) -> None:
        self.folders: dict[str, FakeFolder] = {}
        for name in folders:
            self.add_folder(name)
        self.uidplus = uidplus  # False: append returns None, like a server without UIDPLUS
        self.settings_seen: list[ServerSettings] = []
        self.sessions = 0  # how many times a session was opened
        self.is_open = False
        self._failures = _Failures()
        self._seen_uidnext: dict[str, int] = {}

    # --- what a test does to the "server" -------------------------------------------------------------
    def factory(self, settings: ServerSettings) -> InMemoryMailbox:
        """A mailbox factory for ``crm.mail.transport`` that records the settings and returns this mailbox."""
        self.settings_seen.append(settings)
        return self

    def add_folder(self, name: str, role: str | None = None) -> FakeFolder:
        if role is None and name.upper() == "INBOX":
            role = "inbox"
        folder = self.folders.get(name) or FakeFolder(name, role)
        folder.role = role or folder.role
        self.folders[name] = folder
        return folder

    def deliver(self, raw: bytes, folder: str = "INBOX", flags: Sequence[str] = ()) -> int:
        """A letter arrives (the folder is created when missing); returns its UID."""
        target = self.folders.get(folder) or self.add_folder(folder)
        return self._store(target, raw, tuple(flags))

    def recreate_folder(self, name: str) -> FakeFolder:
        """The server renumbers a folder: new UIDVALIDITY, the same letters under new UIDs from 1."""
        old = self._folder(name)
        new = FakeFolder(name, old.role)
        for message in old.messages.values():
            self._store(new, message.raw, message.flags)
        self.folders[name] = new
        return new

    def fail(self, error: Exception | None = None, times: int | None = 1) -> None:
        """The next ``times`` calls (``None``: all until ``recover``) raise ``error`` (a dropped connection)."""
        self._failures.set(error or MailConnectionFailed("imap.test:993: the connection was dropped"), times)

    def recover(self) -> None:
        self._failures.clear()

    def uids(self, folder: str) -> list[int]:
        return sorted(self._folder(folder).messages)

    def message(self, folder: str, uid: int) -> FetchedMessage:
        return self._folder(folder).messages[uid]

    # --- IncomingMailbox ---------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self._failures.check()
        self.sessions += 1
        self.is_open = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.is_open = False

    def list_folders(self) -> list[FolderInfo]:
        self._operation()
        return [FolderInfo(name=f.name, role=f.role) for f in self.folders.values()]

    def fetch_new(self, folder: str, uidvalidity: int | None, last_uid: int, limit: int = 500) -> FetchBatch:
        self._operation()
        box = self._folder(folder)
        changed = uidvalidity is not None and uidvalidity != box.uidvalidity
        start = 0 if uidvalidity != box.uidvalidity else last_uid
        uids = sorted(uid for uid in box.messages if uid > start)
        self._seen_uidnext[folder] = box.uidnext
        return FetchBatch(
            folder=folder,
            uidvalidity=box.uidvalidity,
            messages=[box.messages[uid] for uid in uids[: max(limit, 0)]],
            uidvalidity_changed=changed,
            has_more=len(uids) > limit,
        )

    def append(self, folder: str, raw: bytes, flags: Sequence[str] = ()) -> int | None:
        self._operation()
        uid = self._store(self._folder(folder), raw, tuple(flags))
        return uid if self.uidplus else None

    def find_by_message_id(self, folder: str, message_id: str) -> list[int]:
        self._operation()
        wanted = message_id.strip().strip("<>")
        return sorted(
            uid
            for uid, message in self._folder(folder).messages.items()
            if wanted and _message_id(message.raw) == wanted
        )

    def set_flags(self, folder: str, uids: Sequence[int], flags: Sequence[str], value: bool = True) -> None:
        self._operation()
        box = self._folder(folder)
        for uid in uids:
            message = box.messages.get(uid)
            if message is None:
                continue
            current = set(message.flags)
            current = current | set(flags) if value else current - set(flags)
            box.messages[uid] = FetchedMessage(uid, message.raw, tuple(sorted(current)))

    def move(self, folder: str, uids: Sequence[int], target: str) -> None:
        self._operation()
        source, destination = self._folder(folder), self._folder(target)
        for uid in sorted(uids):
            message = source.messages.pop(uid, None)
            if message is not None:
                self._store(destination, message.raw, message.flags)

    def wait_for_changes(self, folder: str, timeout: float) -> bool:
        """True at once when letters arrived since this folder's last ``fetch_new``; never sleeps."""
        self._operation()
        box = self._folder(folder)
        return box.uidnext > self._seen_uidnext.get(folder, box.uidnext)

    # --- internals -----------------------------------------------------------------------------------------
    def _operation(self) -> None:
        if not self.is_open:
            raise MailError("the mailbox is used outside its 'with' block")
        self._failures.check()

    def _folder(self, name: str) -> FakeFolder:
        folder = self.folders.get(name)
        if folder is None:
            raise MailError(f"imap.test:993: the folder {name!r} does not exist")
        return folder

    @staticmethod
    def _store(folder: FakeFolder, raw: bytes, flags: tuple[str, ...]) -> int:
        uid = folder.uidnext
        folder.uidnext += 1
        folder.messages[uid] = FetchedMessage(uid, raw, flags)
        return uid


def _message_id(raw: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("ascii", errors="replace")
    for line in head.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ").split("\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "message-id":
            return first_message_id(value)
    return ""


@dataclass(frozen=True)
class SentLetter:
    raw: bytes
    sender: str
    recipients: tuple[str, ...]

    @property
    def parsed(self) -> ParsedMessage:
        return parse_message(self.raw)


class RecordingMailer:
    """An SMTP client that keeps what it sends. Use ``mailer.factory`` as the mailer factory."""

    def __init__(self) -> None:
        self.sent: list[SentLetter] = []
        self.settings_seen: list[ServerSettings] = []
        self.attempts = 0
        self._failures = _Failures()

    def factory(self, settings: ServerSettings) -> RecordingMailer:
        self.settings_seen.append(settings)
        return self

    def fail_next(self, times: int | None = 1, *, permanent: bool = False, message: str = "") -> None:
        """The next ``times`` sends (``None``: all until ``recover``) fail, temporarily or permanently."""
        words = message or ("550 mailbox unavailable" if permanent else "451 try again later")
        self._failures.set(MailSendFailed(f"smtp.test:465: {words}", permanent=permanent), times)

    def fail_with(self, error: Exception, times: int | None = 1) -> None:
        self._failures.set(error, times)

    def recover(self) -> None:
        self._failures.clear()

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None:
        self.attempts += 1
        if not recipients:
            raise MailSendFailed("smtp.test:465: the letter has no recipients", permanent=True)
        self._failures.check()
        self.sent.append(SentLetter(raw, sender, tuple(recipients)))
