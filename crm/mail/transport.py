"""How the CRM opens mail servers: through factories the app factory installs (real IMAP/SMTP) and tests
replace (fakes or loopback servers). The CRM never picks a concrete connector itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from connectors.mail.interfaces import IncomingMailbox, OutgoingMailer, ServerSettings
from crm.mail.models import MailAccount
from crm.mail.secrets import decrypt_secret

MailboxFactory = Callable[[ServerSettings], IncomingMailbox]
MailerFactory = Callable[[ServerSettings], OutgoingMailer]

_factories: dict[str, Callable[[ServerSettings], object]] = {}


def install_transport(mailbox_factory: MailboxFactory, mailer_factory: MailerFactory) -> None:
    """Choose how mailboxes and mailers are made (called once by the app factory, or by a test)."""
    _factories["mailbox"] = mailbox_factory
    _factories["mailer"] = mailer_factory


@contextmanager
def _swapped(**factories: Callable[[ServerSettings], object]) -> Iterator[None]:
    """Use ``factories`` (``mailbox`` / ``mailer``) inside a ``with`` block, then put the old ones back."""
    saved = dict(_factories)
    _factories.update(factories)
    try:
        yield
    finally:
        _factories.clear()
        _factories.update(saved)


def use_transport(
    mailbox_factory: MailboxFactory, mailer_factory: MailerFactory
) -> AbstractContextManager[None]:
    """Install factories for the duration of a ``with`` block (tests), then put the old ones back."""
    return _swapped(mailbox=mailbox_factory, mailer=mailer_factory)


def imap_settings(account: MailAccount) -> ServerSettings:
    return ServerSettings(
        host=account.imap_host,
        port=account.imap_port,
        security=account.imap_security,
        username=account.imap_username or account.email_address,
        password=decrypt_secret(account.imap_password_encrypted),
    )


def smtp_settings(account: MailAccount) -> ServerSettings:
    password = decrypt_secret(account.smtp_password_encrypted)
    return ServerSettings(
        host=account.smtp_host,
        port=account.smtp_port,
        security=account.smtp_security,
        # With a password but no user name, log in as the mailbox itself (as IMAP does); a relay without
        # AUTH would refuse the letter.
        username=account.smtp_username or (account.email_address if password else ""),
        password=password,
    )


def open_mailbox(account: MailAccount) -> IncomingMailbox:
    """An IMAP session for the account (use it as a context manager)."""
    factory = _factories.get("mailbox")
    if factory is None:
        raise RuntimeError("no mail transport installed; the app factory installs one")
    mailbox = factory(imap_settings(account))
    return mailbox  # type: ignore[return-value]


def mailer_for(account: MailAccount) -> OutgoingMailer:
    """An SMTP client for the account."""
    factory = _factories.get("mailer")
    if factory is None:
        raise RuntimeError("no mail transport installed; the app factory installs one")
    return factory(smtp_settings(account))  # type: ignore[return-value]


def use_mailbox(mailbox_factory: MailboxFactory) -> AbstractContextManager[None]:
    """Read mail through ``mailbox_factory`` for a ``with`` block (the demo loader, tests); sending unchanged."""
    return _swapped(mailbox=mailbox_factory)
