"""What the CRM sees of a mail server: small value types and two protocols (incoming mailbox, outgoing mailer).

Nothing here talks to the network; ``connectors.mail.imap`` and ``connectors.mail.smtp`` do, and
``connectors.mail.fakes`` imitate them in memory for unit tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self

SECURITY_SSL = "ssl"  # TLS from the first byte (IMAPS 993, SMTPS 465)
SECURITY_STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (IMAP 143, SMTP 587)
SECURITY_NONE = "none"  # loopback test servers only


@dataclass(frozen=True)
class ServerSettings:
    """How to reach and log in to one IMAP or SMTP server."""

    host: str
    port: int
    security: str = SECURITY_SSL
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    # Accept a self-signed certificate (a test server on loopback); never on for a real account.
    verify_certificate: bool = True


@dataclass(frozen=True)
class FolderInfo:
    """A folder as the server lists it; ``role`` from SPECIAL-USE flags or a well-known name."""

    name: str
    role: str | None = None  # inbox, sent, drafts, trash, junk, archive
    flags: tuple[str, ...] = ()
    selectable: bool = True


@dataclass(frozen=True)
class FetchedMessage:
    """One message as stored on the server: its UID, the exact bytes and its flags."""

    uid: int
    raw: bytes
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchBatch:
    """The messages of ``folder`` with UIDs above the caller's last one, oldest first.

    ``uidvalidity_changed`` says the server renumbered the folder (the caller's ``last_uid`` means nothing now);
    the batch then starts again from the first message. ``has_more``: the limit cut the batch short.
    """

    folder: str
    uidvalidity: int
    messages: list[FetchedMessage] = field(default_factory=list)
    uidvalidity_changed: bool = False
    has_more: bool = False


class MailError(Exception):
    """A mail server problem, said in words a user can act on."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        # Permanent: retrying will not help (bad password, recipient refused); else a retry may succeed.
        self.permanent = permanent


class MailAuthenticationFailed(MailError):
    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class MailConnectionFailed(MailError):
    """The server could not be reached or dropped the connection."""


class MailSendFailed(MailError):
    """The SMTP server refused the letter (``permanent``) or failed for now."""


class MailRecipientsRefused(MailSendFailed):
    """The server refused some or all recipients: ``refused`` maps each address to (code, server words).

    When ``accepted`` is not empty the letter did go to those: sending it again would duplicate it, so a
    partial refusal is permanent; a refusal of everyone is permanent when any answer was a 5xx.
    """

    def __init__(
        self,
        message: str,
        *,
        refused: Mapping[str, tuple[int, bytes | str]],
        accepted: Sequence[str] = (),
        permanent: bool = True,
    ) -> None:
        super().__init__(message, permanent=permanent)
        self.refused: dict[str, tuple[int, str]] = {
            address: (code, text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text)
            for address, (code, text) in refused.items()
        }
        self.accepted: list[str] = list(accepted)


class IncomingMailbox(Protocol):
    """An open IMAP session. Use as a context manager; every method may raise ``MailError``."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def list_folders(self) -> list[FolderInfo]:
        """All folders of the account."""
        ...

    def fetch_new(self, folder: str, uidvalidity: int | None, last_uid: int, limit: int = 500) -> FetchBatch:
        """Messages with UID > ``last_uid`` (all of them when ``uidvalidity`` differs from the server's)."""
        ...

    def append(self, folder: str, raw: bytes, flags: Sequence[str] = ()) -> int | None:
        """Store a message (a sent copy); the new UID when the server says it (UIDPLUS)."""
        ...

    def find_by_message_id(self, folder: str, message_id: str) -> list[int]:
        """UIDs of messages whose Message-ID header is ``message_id`` (without angle brackets)."""
        ...

    def set_flags(self, folder: str, uids: Sequence[int], flags: Sequence[str], value: bool = True) -> None:
        """Add (``value``) or remove flags such as ``\\Seen`` or ``\\Deleted``."""
        ...

    def move(self, folder: str, uids: Sequence[int], target: str) -> None:
        """Move messages to another folder (MOVE, or COPY + \\Deleted + EXPUNGE)."""
        ...

    def wait_for_changes(self, folder: str, timeout: float) -> bool:
        """Block until the server reports news in ``folder`` (IDLE) or ``timeout`` passes; True on news."""
        ...


class OutgoingMailer(Protocol):
    """An SMTP client. ``send`` raises ``MailSendFailed`` with ``permanent`` set when a retry is pointless."""

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None: ...
