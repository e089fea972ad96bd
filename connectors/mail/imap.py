"""``ImapMailbox``: the ``IncomingMailbox`` on an IMAP server, through IMAPClient.

Every failure leaves as ``MailConnectionFailed`` (network, TLS, dropped connection), ``MailAuthenticationFailed``
(user name or password refused) or ``MailError`` (the server refused a command), worded with host:port and what
was being done. UIDs are the only message numbers used; fetching never sets \\Seen (BODY.PEEK).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import Any, Self

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from connectors.mail.folders import folder_infos
from connectors.mail.headers import first_message_id
from connectors.mail.interfaces import (
    SECURITY_NONE,
    SECURITY_SSL,
    SECURITY_STARTTLS,
    FetchBatch,
    FetchedMessage,
    FolderInfo,
    MailAuthenticationFailed,
    MailConnectionFailed,
    MailError,
    ServerSettings,
)
from connectors.mail.neterrors import client_ssl_context, network_problem, server_text

_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.I)
_NEWS = {b"EXISTS", b"EXPUNGE", b"FETCH", b"RECENT"}
_TEMPORARY_LOGIN = ("[UNAVAILABLE]", "[SERVERBUG]", "TEMPORARY")
_FETCH_CHUNK = 50  # letters per FETCH: bounded responses, few round trips
_SEARCH_WINDOW = 20_000  # UIDs per SEARCH in huge folders (imaplib refuses response lines over 1 MB)
_HUGE_FOLDER = 50_000
_MESSAGE_ID_FIELD = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"


def _flag(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _is_news(response: Any) -> bool:
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in _NEWS


class ImapMailbox:
    """An IMAP session. ``with ImapMailbox(settings) as mailbox: ...`` connects, logs in and logs out."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self._client: IMAPClient | None = None
        self._uidnext_seen: dict[str, int] = {}

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    # --- session ---------------------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def connect(self) -> None:
        """Connect (TLS as configured) and log in. Idempotent."""
        if self._client is not None:
            return
        settings = self.settings
        if settings.security not in (SECURITY_SSL, SECURITY_STARTTLS, SECURITY_NONE):
            raise MailError(
                f"{self.where}: unknown connection security {settings.security!r} (ssl, starttls or none)",
                permanent=True,
            )
        context = client_ssl_context(settings.verify_certificate)
        with self._errors("connecting"):
            client = IMAPClient(
                settings.host,
                port=settings.port,
                ssl=settings.security == SECURITY_SSL,
                ssl_context=context,
                timeout=settings.timeout,
            )
        try:
            if settings.security == SECURITY_STARTTLS:
                with self._errors("starting TLS (STARTTLS)"):
                    if not client.has_capability("STARTTLS"):
                        raise MailConnectionFailed(
                            f"{self.where}: the server does not offer STARTTLS; choose SSL or check the port"
                        )
                    client.starttls(context)
            with self._errors("logging in"):
                client.login(settings.username, settings.password)
        except BaseException:
            self._shutdown(client)
            raise
        self._client = client

    def close(self) -> None:
        """Log out; never raises (the session may already be broken)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            self._shutdown(client)

    @staticmethod
    def _shutdown(client: IMAPClient) -> None:
        with suppress(Exception):
            client.shutdown()

    def _require(self) -> IMAPClient:
        if self._client is None:
            raise MailError(f"{self.where}: not connected (use the mailbox in a 'with' block)")
        return self._client

    def _capable(self, name: str) -> bool:
        """Whether the server advertises a capability (a seam for tests of the fallbacks)."""
        with self._errors("reading the server's capabilities"):
            return bool(self._require().has_capability(name))

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn whatever the network, TLS, imaplib or IMAPClient raise into a MailError family member."""
        try:
            yield
        except MailError:
            raise
        except LoginError as exc:
            text = server_text(exc)
            if any(marker in text.upper() for marker in _TEMPORARY_LOGIN):
                raise MailConnectionFailed(
                    f"{self.where}: the server cannot check passwords now ({text})"
                ) from None
            raise MailAuthenticationFailed(
                f"{self.where}: the server refused the user name or password ({text})"
            ) from None
        except IMAPClientAbortError as exc:
            self._drop()
            raise MailConnectionFailed(
                f"{self.where}: the connection broke while {action} ({server_text(exc)})"
            ) from None
        except IMAPClientError as exc:
            raise MailError(f"{self.where}: {action} failed: {server_text(exc)}") from None
        except OSError as exc:
            self._drop()
            raise MailConnectionFailed(
                network_problem(exc, self.where, action, self.settings.timeout)
            ) from None
        except Exception as exc:  # a protocol surprise (unparsable response ...): still the user's words
            raise MailError(f"{self.where}: {action} failed: {type(exc).__name__}: {exc}") from None

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            self._shutdown(client)

    def _select(self, folder: str, readonly: bool = False) -> dict[bytes, Any]:
        client = self._require()
        with self._errors(f"opening the folder {folder!r}"):
            return dict(client.select_folder(folder, readonly=readonly))

    # --- IncomingMailbox ---------------------------------------------------------------------------------------
    def list_folders(self) -> list[FolderInfo]:
        client = self._require()
        with self._errors("listing the folders"):
            entries = client.list_folders()
        return folder_infos(entries)

    def fetch_new(self, folder: str, uidvalidity: int | None, last_uid: int, limit: int = 500) -> FetchBatch:
        info = self._select(folder, readonly=True)
        server_validity = int(info.get(b"UIDVALIDITY") or 0)
        changed = uidvalidity is not None and uidvalidity != server_validity
        start = max(last_uid, 0) if uidvalidity == server_validity else 0
        uidnext = info.get(b"UIDNEXT")
        if uidnext is not None:
            self._uidnext_seen[folder] = int(uidnext)
        if not info.get(b"EXISTS") or (uidnext is not None and int(uidnext) <= start + 1):
            return FetchBatch(folder=folder, uidvalidity=server_validity, uidvalidity_changed=changed)
        uids = self._uids_after(start, int(uidnext) if uidnext is not None else None, info, limit)
        limit = max(limit, 0)
        return FetchBatch(
            folder=folder,
            uidvalidity=server_validity,
            messages=self._download(uids[:limit]),
            uidvalidity_changed=changed,
            has_more=len(uids) > limit,
        )

    def _uids_after(self, start: int, uidnext: int | None, info: dict[bytes, Any], limit: int) -> list[int]:
        """UIDs above ``start``, ascending. ``N:*`` always matches the last message even when its UID is below
        N, so the answer is filtered; huge folders are searched in windows to keep each response small.
        """
        client = self._require()
        found: list[int] = []
        with self._errors("searching for new letters"):
            if uidnext is None or int(info.get(b"EXISTS") or 0) <= _HUGE_FOLDER:
                found = [int(uid) for uid in client.search(["UID", f"{start + 1}:*"])]
            else:
                low = start + 1
                while low < uidnext and len(found) <= limit:
                    high = low + _SEARCH_WINDOW - 1
                    found.extend(int(uid) for uid in client.search(["UID", f"{low}:{high}"]))
                    low = high + 1
        return sorted(uid for uid in set(found) if uid > start)

    def _download(self, uids: list[int]) -> list[FetchedMessage]:
        client = self._require()
        messages: list[FetchedMessage] = []
        for index in range(0, len(uids), _FETCH_CHUNK):
            chunk = uids[index : index + _FETCH_CHUNK]
            with self._errors("downloading letters"):
                data = client.fetch(chunk, ["BODY.PEEK[]", "FLAGS"])
            for uid in chunk:
                item = data.get(uid)
                raw = item.get(b"BODY[]") if item else None
                if raw is None:  # expunged between SEARCH and FETCH
                    continue
                flags = tuple(_flag(flag) for flag in item.get(b"FLAGS", ()))
                messages.append(FetchedMessage(uid=uid, raw=bytes(raw), flags=flags))
        return messages

    def append(self, folder: str, raw: bytes, flags: Sequence[str] = ()) -> int | None:
        client = self._require()
        with self._errors(f"storing a letter in the folder {folder!r}"):
            response = client.append(folder, raw, flags=tuple(flags))
        match = _APPENDUID.search(response if isinstance(response, bytes) else str(response).encode())
        return int(match.group(2)) if match else None

    def find_by_message_id(self, folder: str, message_id: str) -> list[int]:
        wanted = message_id.strip().strip("<>").strip()
        if not wanted:
            return []
        self._select(folder, readonly=True)
        client = self._require()
        with self._errors(f"searching the folder {folder!r} by Message-ID"):
            # HEADER search matches substrings: confirm each hit's exact id below.
            candidates = client.search(
                ["HEADER", "Message-ID", wanted], None if wanted.isascii() else "UTF-8"
            )
            if not candidates:
                return []
            headers = client.fetch(list(candidates), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        found = []
        for uid, item in headers.items():
            value = item.get(_MESSAGE_ID_FIELD, b"")
            text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else ""
            _, _, header_value = text.partition(":")
            if first_message_id(header_value) == wanted:
                found.append(int(uid))
        return sorted(found)

    def set_flags(self, folder: str, uids: Sequence[int], flags: Sequence[str], value: bool = True) -> None:
        if not uids or not flags:
            return
        self._select(folder)
        client = self._require()
        with self._errors(f"changing flags in the folder {folder!r}"):
            if value:
                client.add_flags(list(uids), list(flags), silent=True)
            else:
                client.remove_flags(list(uids), list(flags), silent=True)

    def move(self, folder: str, uids: Sequence[int], target: str) -> None:
        if not uids:
            return
        self._select(folder)
        client = self._require()
        action = f"moving letters from {folder!r} to {target!r}"
        if self._capable("MOVE"):
            with self._errors(action):
                client.move(list(uids), target)
            return
        uidplus = self._capable("UIDPLUS")
        with self._errors(action):
            client.copy(list(uids), target)
            client.add_flags(list(uids), [b"\\Deleted"], silent=True)
            if uidplus:
                client.uid_expunge(list(uids))
            else:  # plain EXPUNGE also removes other letters marked \Deleted in this folder
                client.expunge()

    def wait_for_changes(self, folder: str, timeout: float) -> bool:
        info = self._select(folder, readonly=True)
        uidnext, seen = info.get(b"UIDNEXT"), self._uidnext_seen.get(folder)
        if uidnext is not None and seen is not None and int(uidnext) > seen:
            return True  # arrived between the last fetch and now
        deadline = time.monotonic() + max(timeout, 0.0)
        if self._capable("IDLE"):
            return self._idle(deadline)
        return self._poll(deadline)

    def _waiting(self) -> None:
        """Called once the server watches for news (a seam for tests that deliver only then)."""

    def _idle(self, deadline: float) -> bool:
        client = self._require()
        news = False
        with self._errors("waiting for news (IDLE)"):
            client.idle()
            self._waiting()
            while not news:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                news = any(_is_news(response) for response in client.idle_check(timeout=remaining))
            # Not in a finally: after a broken connection DONE could only fail and hide the first error.
            _text, responses = client.idle_done()
            news = news or any(_is_news(response) for response in responses)
        return news

    def _poll(self, deadline: float) -> bool:
        """Without IDLE: NOOP now and then; the server reports news in its untagged answers."""
        client = self._require()
        self._waiting()
        while True:
            with self._errors("checking for news (NOOP)"):
                _text, responses = client.noop()
            if any(_is_news(response) for response in responses):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(remaining, 5.0))
