"""The one place that picks the concrete mail connectors (IMAP and SMTP) and the mail-password key."""

from __future__ import annotations

from flask import Flask

from connectors.mail.interfaces import IncomingMailbox, OutgoingMailer, ServerSettings
from crm.mail.linked_files import set_upload_resolver
from crm.mail.operations import email_alert
from crm.mail.secrets import configure_secret
from crm.mail.transport import install_transport
from crm.monitoring.alerts import set_email_sender
from webui.uploads import upload_path


def _imap(settings: ServerSettings) -> IncomingMailbox:
    from connectors.mail.imap import ImapMailbox

    return ImapMailbox(settings)


def _smtp(settings: ServerSettings) -> OutgoingMailer:
    from connectors.mail.smtp import SmtpMailer

    return SmtpMailer(settings)


def init_app(app: Flask) -> None:
    configure_secret(app.config.get("MAIL_SECRET_KEY") or app.config["SECRET_KEY"])
    install_transport(_imap, _smtp)
    set_email_sender(email_alert)  # alerts e-mail through the outbox of the default shared account
    set_upload_resolver(upload_path)  # files of task forms can be attached to letters (SPEC #32)
