"""pytest plugin: real mail servers on 127.0.0.1 for integration tests (loaded by tests/conftest.py).

- ``dovecot`` (session): a Dovecot IMAP server of its own (config, users, mail in a temp folder). Plain/STARTTLS
  on ``.port``, implicit TLS on ``.ssl_port`` (self-signed certificate). ``add_user(name, password)``,
  ``deliver(user, password, raw, folder="INBOX") -> uid`` (IMAP APPEND as that user; creates the folder),
  ``create_folder`` / ``delete_folder`` / ``recreate_folder`` (a new UIDVALIDITY), ``client(user, password)``
  (a logged-in IMAPClient), ``settings_for(user, password, security="none") -> ServerSettings``.
  Skipped, with the reason, when Dovecot is not installed (``make mailservers``) or the tests do not run as root.
- ``imap_user`` (function): a fresh user on that server: ``.name``, ``.password``, ``.address``
  (``<name>@example.test``), ``.settings`` and the shortcuts ``.deliver(raw, folder)`` and ``.client()``.
- ``smtp_server`` (function): aiosmtpd on a free port storing every letter in ``.messages`` (``mail_from``,
  ``rcpt_tos``, ``raw``); ``.settings`` (security none); ``.fail_next(n, code=451)`` and
  ``.reject_next(n, code=550)`` answer the next n letters' DATA with that code; ``.refuse_recipient(address,
  code=550)`` refuses one RCPT TO.
- ``smtp_server_tls_auth`` (function): the same with STARTTLS required and AUTH PLAIN/LOGIN for ``.username`` /
  ``.password`` (``.settings`` carries them, certificate checks off for the self-signed certificate).
- ``smtp_server_ssl`` (function): implicit TLS (SMTPS) offering AUTH PLAIN/LOGIN for ``.username`` /
  ``.password`` (offered, not required: aiosmtpd cannot require it without STARTTLS).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from imapclient import IMAPClient

from connectors.mail.interfaces import SECURITY_NONE, SECURITY_SSL, SECURITY_STARTTLS, ServerSettings

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
HOST = "127.0.0.1"
MAIL_DOMAIN = "example.test"
_READY_SECONDS = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, seconds: float, what: str, log: Path | None = None) -> None:
    """Readiness loop (not a timed assertion): poll until the port accepts, fail with the log after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.02)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not start listening on {HOST}:{port}\n{tail}")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 (EC P-256, valid for a day)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="session")
def mail_tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(certificate, key) of a self-signed certificate for the loopback servers."""
    return make_certificate(tmp_path_factory.mktemp("mail-tls"))


# --- Dovecot --------------------------------------------------------------------------------------------------

_DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {host}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
{dh}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
# No growing delays after failed logins from the tests' own address.
login_trusted_networks = 127.0.0.0/8
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  # One file per user: Dovecot re-reads a changed passwd-file at most once a second, so a user added to a
  # shared file could stay unknown for that second; a file it has never read is read at the first login.
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = static
  args = uid=vmail gid=vmail home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
  mailbox "Old mail" {{
    special_use = \\Archive
  }}
}}
"""


class DovecotServer:
    """A Dovecot of its own: config, users and mail in ``root``; stopped with ``stop()``."""

    host = HOST

    def __init__(self, root: Path, cert: Path, key: Path) -> None:
        self.root = root
        self.port = free_port()
        self.ssl_port = free_port()
        self.config = root / "dovecot.conf"
        self.log = root / "dovecot.log"
        self._users = root / "users"
        dh = "/usr/share/dovecot/dh.pem"
        self.config.write_text(
            _DOVECOT_CONF.format(
                root=root,
                host=HOST,
                port=self.port,
                ssl_port=self.ssl_port,
                cert=cert,
                key=key,
                dh=f"ssl_dh = <{dh}" if os.path.exists(dh) else "",
            )
        )

    def start(self) -> None:
        for sub in ("run", "state", "mail", "users"):
            (self.root / sub).mkdir(exist_ok=True)
        vmail = pwd.getpwnam("vmail")
        os.chown(self.root / "mail", vmail.pw_uid, vmail.pw_gid)
        # Dovecot daemonises and its children keep the standard streams: a pipe would never close.
        output = self.root / "dovecot.start.log"
        with output.open("wb") as stream:
            started = subprocess.run(
                [DOVECOT, "-c", str(self.config)], stdout=stream, stderr=subprocess.STDOUT, check=False
            )
        if started.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {output.read_text(errors='replace')}")
        _wait_for_port(self.port, _READY_SECONDS, "Dovecot", self.log)
        _wait_for_port(self.ssl_port, _READY_SECONDS, "Dovecot (imaps)", self.log)

    def stop(self) -> None:
        stopped = subprocess.run(
            [DOVEADM, "-c", str(self.config), "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        pid_file = self.root / "run" / "master.pid"
        if stopped.returncode != 0 and pid_file.exists():
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)

    def add_user(self, name: str, password: str) -> None:
        if not name or any(char in name for char in ":/%\n") or ":" in password or "\n" in password:
            raise ValueError(
                "test user names may not hold ':', '/', '%' or line breaks, passwords ':' or breaks"
            )
        path = self._users / name
        if path.exists():
            raise ValueError(f"the test server already has a user {name!r}")
        path.write_text(f"{name}:{{PLAIN}}{password}\n")
        path.chmod(0o644)

    def settings_for(self, user: str, password: str, security: str = SECURITY_NONE) -> ServerSettings:
        port = self.ssl_port if security == SECURITY_SSL else self.port
        return ServerSettings(
            host=HOST,
            port=port,
            security=security,
            username=user,
            password=password,
            timeout=30.0,
            verify_certificate=False,
        )

    @contextlib.contextmanager
    def client(self, user: str, password: str) -> Iterator[IMAPClient]:
        """A logged-in IMAPClient over the plain port (the test's own hands, independent of the code tested)."""
        client = IMAPClient(HOST, port=self.port, ssl=False, timeout=30)
        try:
            client.login(user, password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def deliver(self, user: str, password: str, raw: bytes, folder: str = "INBOX") -> int:
        """Put a letter into the user's folder (created when missing); returns its UID."""
        with self.client(user, password) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw)
            text = (
                response.decode("ascii", errors="replace") if isinstance(response, bytes) else str(response)
            )
            if "APPENDUID" not in text:
                raise RuntimeError(f"Dovecot did not report the new UID: {text}")
            return int(text.split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])

    def create_folder(self, user: str, password: str, name: str) -> None:
        with self.client(user, password) as client:
            client.create_folder(name)

    def delete_folder(self, user: str, password: str, name: str) -> None:
        with self.client(user, password) as client:
            client.delete_folder(name)

    def recreate_folder(self, user: str, password: str, name: str) -> None:
        """Delete and create a folder again: the server gives it a new UIDVALIDITY."""
        with self.client(user, password) as client:
            client.delete_folder(name)
            client.create_folder(name)


def _dovecot_unavailable() -> str | None:
    if not (os.path.exists(DOVECOT) and os.path.exists(DOVEADM)):
        return (
            f"Dovecot is not installed ({DOVECOT}); the IMAP integration tests need it: run `make mailservers` "
            "(scripts/ensure-dovecot.sh installs the Debian package dovecot-imapd)"
        )
    if os.geteuid() != 0:
        return (
            "the Dovecot test server is started as root (it switches to its own users); run the tests as root"
        )
    try:
        pwd.getpwnam("vmail")
    except KeyError:
        made = subprocess.run(
            ["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", "vmail"], capture_output=True, text=True
        )
        if made.returncode != 0:
            return f"could not create the system user vmail for Dovecot: {made.stderr.strip()}"
    return None


@pytest.fixture(scope="session")
def dovecot(mail_tls_files: tuple[Path, Path]) -> Iterator[DovecotServer]:
    reason = _dovecot_unavailable()
    if reason:
        pytest.skip(reason)
    # Not pytest's tmp_path: that is private to root (0700) and Dovecot's own users must reach the files.
    root = Path(tempfile.mkdtemp(prefix="routemap-dovecot-"))
    root.chmod(0o755)
    cert, key = (root / "cert.pem", root / "key.pem")
    shutil.copyfile(mail_tls_files[0], cert)
    shutil.copyfile(mail_tls_files[1], key)
    key.chmod(0o600)
    server = DovecotServer(root, cert, key)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class ImapUser:
    server: DovecotServer
    name: str
    password: str

    @property
    def address(self) -> str:
        return f"{self.name}@{MAIL_DOMAIN}"

    @property
    def settings(self) -> ServerSettings:
        return self.server.settings_for(self.name, self.password)

    def settings_with(self, security: str) -> ServerSettings:
        return self.server.settings_for(self.name, self.password, security)

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        return self.server.deliver(self.name, self.password, raw, folder)

    def client(self) -> contextlib.AbstractContextManager[IMAPClient]:
        return self.server.client(self.name, self.password)


@pytest.fixture
def imap_user(dovecot: DovecotServer) -> ImapUser:
    user = ImapUser(dovecot, f"u{uuid.uuid4().hex[:12]}", uuid.uuid4().hex)
    dovecot.add_user(user.name, user.password)
    return user


# --- SMTP (aiosmtpd) -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes


@dataclass
class _Handler:
    messages: list[ReceivedMail] = field(default_factory=list)
    data_answers: list[int] = field(default_factory=list)  # codes for the next DATA commands
    refused: dict[str, int] = field(default_factory=dict)  # address -> RCPT TO code
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        code = self.refused.get(address.lower())
        if code:
            return f"{code} 5.1.1 <{address}>: recipient refused by the test server"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            code = self.data_answers.pop(0) if self.data_answers else None
        if code is not None:
            kind = "try again later" if code < 500 else "message refused"
            return f"{code} {'4' if code < 500 else '5'}.7.1 {kind} (test server)"
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), bytes(raw)))
        return "250 2.0.0 Message accepted"


class SmtpTestServer:
    """aiosmtpd on 127.0.0.1: ``security`` none, starttls (required, with AUTH) or ssl (implicit TLS, AUTH)."""

    host = HOST

    def __init__(
        self,
        security: str = SECURITY_NONE,
        *,
        tls_files: tuple[Path, Path] | None = None,
        username: str = "",
        password: str = "",
        data_size_limit: int | None = 100 * 1024 * 1024,
    ) -> None:
        self.security = security
        self.username = username
        self.password = password
        self.port = free_port()
        self._handler = _Handler()
        kwargs: dict[str, Any] = {"data_size_limit": data_size_limit}
        if security != SECURITY_NONE:
            if tls_files is None:
                raise ValueError("a TLS test server needs a certificate")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls_files[0]), str(tls_files[1]))
            kwargs.update(authenticator=self._authenticate)
            if security == SECURITY_STARTTLS:
                kwargs.update(
                    tls_context=context, require_starttls=True, auth_required=True, auth_require_tls=True
                )
            else:
                # aiosmtpd cannot tell implicit TLS from none: AUTH is offered, not required (which it would
                # refuse without STARTTLS, or warn about as insecure).
                kwargs.update(ssl_context=context, auth_require_tls=False)
        self._controller = Controller(self._handler, hostname=HOST, port=self.port, **kwargs)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if (
            mechanism in ("PLAIN", "LOGIN")
            and isinstance(auth_data, LoginPassword)
            and auth_data.login.decode(errors="replace") == self.username
            and auth_data.password.decode(errors="replace") == self.password
        ):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)  # handled=True would leave the client waiting

    def start(self) -> SmtpTestServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[ReceivedMail]:
        return self._handler.messages

    @property
    def settings(self) -> ServerSettings:
        return ServerSettings(
            host=HOST,
            port=self.port,
            security=self.security,
            username=self.username,
            password=self.password,
            timeout=30.0,
            verify_certificate=False,
        )

    def fail_next(self, n: int = 1, code: int = 451) -> None:
        """Answer the next ``n`` letters' DATA with a temporary failure."""
        with self._handler.lock:
            self._handler.data_answers.extend([code] * n)

    def reject_next(self, n: int = 1, code: int = 550) -> None:
        """Answer the next ``n`` letters' DATA with a permanent refusal."""
        with self._handler.lock:
            self._handler.data_answers.extend([code] * n)

    def refuse_recipient(self, address: str, code: int = 550) -> None:
        self._handler.refused[address.lower()] = code


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    server = SmtpTestServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server_tls_auth(mail_tls_files: tuple[Path, Path]) -> Iterator[SmtpTestServer]:
    server = SmtpTestServer(
        SECURITY_STARTTLS, tls_files=mail_tls_files, username="crm@example.test", password="s3cret-Пароль"
    ).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server_ssl(mail_tls_files: tuple[Path, Path]) -> Iterator[SmtpTestServer]:
    server = SmtpTestServer(
        SECURITY_SSL, tls_files=mail_tls_files, username="crm@example.test", password="s3cret"
    ).start()
    try:
        yield server
    finally:
        server.stop()
