"""Words for network failures shared by the IMAP and SMTP clients: what failed, where, and what to check."""

from __future__ import annotations

import re
import socket
import ssl

_BYTES_REPR = re.compile(r"""^b(['"])(.*)\1$""", re.S)


def server_text(exc: BaseException) -> str:
    """The server's words from an imaplib/smtplib exception, without Python's b'...' wrapping."""
    parts = []
    for arg in exc.args or (str(exc),):
        if isinstance(arg, bytes):
            parts.append(arg.decode("utf-8", errors="replace"))
        else:
            text = str(arg)
            match = _BYTES_REPR.match(text)
            parts.append(match.group(2) if match else text)
    return " ".join(part.strip() for part in parts if part and part.strip())


def network_problem(exc: OSError, where: str, action: str, timeout: float) -> str:
    """A sentence for an OSError raised while ``action`` against ``where`` (host:port)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{where}: the server's certificate is not trusted ({exc.verify_message or exc.reason})"
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or str(exc)
        return (
            f"{where}: the TLS handshake failed while {action} ({reason}); "
            "check the connection security (SSL or STARTTLS) and the port"
        )
    if isinstance(exc, socket.gaierror):
        return f"{where}: the host name cannot be resolved ({exc.strerror or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where}: the connection was refused; check the host and the port"
    if isinstance(exc, TimeoutError):
        return (
            f"{where}: no answer within {timeout:g} s while {action}; "
            "check the host, the port and the connection security"
        )
    if isinstance(exc, ConnectionError):
        return f"{where}: the server closed the connection while {action}"
    return f"{where}: network error while {action}: {exc.strerror or exc}"


def client_ssl_context(verify: bool) -> ssl.SSLContext:
    """A TLS client context; ``verify=False`` only for a loopback test server with a self-signed certificate."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
