"""The one place that picks the concrete mail connectors (IMAP and SMTP) and the mail-password key."""

from __future__ import annotations

from flask import Flask

from connectors.mail.interfaces import IncomingMailbox, OutgoingMailer, ServerSettings
from crm.mail.secrets import configure_secret
from crm.mail.transport import install_transport


def _imap(settings: ServerSettings) -> IncomingMailbox:
    from connectors.mail.imap import ImapMailbox

    return ImapMailbox(settings)


def _smtp(settings: ServerSettings) -> OutgoingMailer:
    from connectors.mail.smtp import SmtpMailer

    return SmtpMailer(settings)


def init_app(app: Flask) -> None:
    configure_secret(app.config.get("MAIL_SECRET_KEY") or app.config["SECRET_KEY"])
    install_transport(_imap, _smtp)
