"""``SmtpMailer``: the ``OutgoingMailer`` on smtplib (SMTPS, STARTTLS or plain; AUTH when a user name is set).

Failures leave as ``MailSendFailed`` whose ``permanent`` says whether a retry can help: 5xx answers are
permanent, 4xx answers and network trouble are not. A refused password is ``MailAuthenticationFailed``.
When the server takes the letter for some recipients and refuses others, the letter is out: that is a
permanent ``MailRecipientsRefused`` naming the refused ones (sending again would duplicate it for the rest).
"""

from __future__ import annotations

import base64
import re
import smtplib
import socket
from collections.abc import Sequence
from contextlib import suppress

from connectors.mail.interfaces import (
    SECURITY_NONE,
    SECURITY_SSL,
    SECURITY_STARTTLS,
    MailAuthenticationFailed,
    MailError,
    MailRecipientsRefused,
    MailSendFailed,
    ServerSettings,
)
from connectors.mail.neterrors import client_ssl_context, network_problem, server_text

_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?")


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", errors="replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


class SmtpMailer:
    """Sends raw letters through one SMTP server; one connection per ``send``."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None:
        """Hand ``raw`` to the server for ``recipients`` (the envelope: To, Cc and Bcc)."""
        targets = list(
            dict.fromkeys(address.strip() for address in recipients if address and address.strip())
        )
        if not targets:
            raise MailSendFailed(f"{self.where}: the letter has no recipients", permanent=True)
        connection = self._connect()
        try:
            refused = self._transfer(connection, raw, sender.strip(), targets)
        finally:
            self._quit(connection)
        if refused:
            accepted = [address for address in targets if address not in refused]
            words = ", ".join(f"{address} ({_reply(*answer)})" for address, answer in refused.items())
            raise MailRecipientsRefused(
                f"{self.where}: the letter went to {', '.join(accepted)} but the server refused {words}",
                refused=refused,
                accepted=accepted,
            )

    # --- connection ----------------------------------------------------------------------------------------------
    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.security not in (SECURITY_SSL, SECURITY_STARTTLS, SECURITY_NONE):
            raise MailSendFailed(
                f"{self.where}: unknown connection security {settings.security!r} (ssl, starttls or none)",
                permanent=True,
            )
        context = client_ssl_context(settings.verify_certificate)
        # Our own name for EHLO: smtplib's default asks DNS for the fully qualified name, which can hang.
        local_name = socket.gethostname()
        if not _HOST_NAME.fullmatch(local_name or ""):
            local_name = "localhost"
        connection: smtplib.SMTP | None = None
        try:
            if settings.security == SECURITY_SSL:
                connection = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    local_hostname=local_name,
                    timeout=settings.timeout,
                    context=context,
                )
            else:
                connection = smtplib.SMTP(
                    settings.host, settings.port, local_hostname=local_name, timeout=settings.timeout
                )
            connection.ehlo()
            if settings.security == SECURITY_STARTTLS:
                if not connection.has_extn("starttls"):
                    raise MailSendFailed(
                        f"{self.where}: the server does not offer STARTTLS; choose SSL or check the port"
                    )
                connection.starttls(context=context)
                connection.ehlo()
            if settings.username:
                self._login(connection)
            return connection
        except BaseException as exc:
            if connection is not None:
                self._quit(connection)
            if isinstance(exc, Exception):
                raise self._failure(exc, "connecting") from None
            raise

    def _login(self, connection: smtplib.SMTP) -> None:
        user, password = self.settings.username, self.settings.password
        if not connection.has_extn("auth"):
            raise MailSendFailed(
                f"{self.where}: the server offers no login (AUTH); "
                "clear the user name, or use STARTTLS/SSL if it offers AUTH only over TLS"
            )
        if (user + password).isascii():
            connection.login(user, password)
            return
        # smtplib encodes credentials as ASCII; AUTH PLAIN carries UTF-8 (RFC 4616) for non-Latin passwords.
        mechanisms = connection.esmtp_features.get("auth", "").upper().split()
        if "PLAIN" not in mechanisms:
            raise MailSendFailed(
                f"{self.where}: a non-Latin user name or password needs AUTH PLAIN, which the server does not offer",
                permanent=True,
            )
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
        code, message = connection.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, message)

    @staticmethod
    def _quit(connection: smtplib.SMTP) -> None:
        try:
            connection.quit()
        except Exception:
            with suppress(Exception):
                connection.close()

    # --- transfer ------------------------------------------------------------------------------------------------
    def _transfer(
        self, connection: smtplib.SMTP, raw: bytes, sender: str, targets: list[str]
    ) -> dict[str, tuple[int, bytes]]:
        options: list[str] = []
        limit = connection.esmtp_features.get("size", "")
        if limit.isdigit() and int(limit) and len(raw) > int(limit):
            raise MailSendFailed(
                f"{self.where}: the letter is {len(raw) / 1048576:.1f} MB; "
                f"the server accepts at most {int(limit) / 1048576:.1f} MB",
                permanent=True,
            )
        if not raw.isascii() and connection.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        if not all(address.isascii() for address in [sender, *targets]):
            if not connection.has_extn("smtputf8"):
                raise MailSendFailed(
                    f"{self.where}: the server does not accept non-Latin addresses (no SMTPUTF8)",
                    permanent=True,
                )
            options.append("SMTPUTF8")
        try:
            return connection.sendmail(sender, targets, raw, mail_options=options)
        except Exception as exc:
            raise self._failure(exc, "sending the letter") from None

    def _failure(self, exc: Exception, action: str) -> MailError:
        """The MailError for what smtplib or the network raised."""
        where = self.where
        if isinstance(exc, MailError):
            return exc
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            answer = _reply(exc.smtp_code, exc.smtp_error)
            if 400 <= exc.smtp_code < 500:
                return MailSendFailed(f"{where}: the server cannot check the password now ({answer})")
            return MailAuthenticationFailed(
                f"{where}: the server refused the user name or password ({answer})"
            )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            answers = exc.recipients
            words = ", ".join(f"{address} ({_reply(*answer)})" for address, answer in answers.items())
            permanent = any(code >= 500 for code, _message in answers.values())
            return MailRecipientsRefused(
                f"{where}: the server refused every recipient: {words}",
                refused=dict(answers),
                accepted=[],
                permanent=permanent,
            )
        if isinstance(exc, smtplib.SMTPSenderRefused):
            answer = _reply(exc.smtp_code, exc.smtp_error)
            return MailSendFailed(
                f"{where}: the server refused the sender {exc.sender} ({answer})",
                permanent=exc.smtp_code >= 500,
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            answer = _reply(exc.smtp_code, exc.smtp_error)
            verb = "refused the letter" if action == "sending the letter" else f"failed while {action}"
            return MailSendFailed(f"{where}: the server {verb} ({answer})", permanent=exc.smtp_code >= 500)
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return MailSendFailed(f"{where}: the server closed the connection while {action}")
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return MailSendFailed(f"{where}: {server_text(exc)}", permanent=True)
        if isinstance(exc, smtplib.SMTPException):  # an OSError too, but no network trouble
            return MailSendFailed(f"{where}: {action} failed: {server_text(exc)}")
        if isinstance(exc, OSError):
            return MailSendFailed(network_problem(exc, where, action, self.settings.timeout))
        return MailSendFailed(f"{where}: {action} failed: {type(exc).__name__}: {server_text(exc) or exc}")
