"""The connection check of a mail account: log in to IMAP (and list the folders) and to SMTP, and say what
is wrong in words an administrator can act on. Nothing is stored and no letter is sent."""

from __future__ import annotations

from connectors.mail.interfaces import MailError
from crm.errors import NotFound, ValidationFailed
from crm.mail.models import MailAccount
from crm.mail.transport import mailer_for, open_mailbox
from engine.db import db


def check_connection(account_id: int) -> list[str]:
    """Problems with the account's servers, one sentence each; an empty list means both servers accept it."""
    account = db.session.get(MailAccount, account_id)
    if account is None:
        raise NotFound(f"mail account {account_id} not found")
    return _check_imap(account) + _check_smtp(account)


def _check_imap(account: MailAccount) -> list[str]:
    if not account.imap_host:
        return ["IMAP: the incoming mail server is not set"]
    if not account.imap_password_encrypted:
        return ["IMAP: the password is not set"]
    try:
        with open_mailbox(account) as mailbox:
            folders = mailbox.list_folders()
    except ValidationFailed as exc:  # the stored password cannot be decrypted
        return [f"IMAP: {'; '.join(exc.field_errors.values())}"]
    except MailError as exc:
        return [f"IMAP: {exc}"]
    except Exception as exc:  # a connector bug: still an answer, not a crash of the settings page
        return [f"IMAP: unexpected error ({type(exc).__name__}: {exc})"]
    if not folders:
        return ["IMAP: the server lists no folders for this account"]
    return []


def _check_smtp(account: MailAccount) -> list[str]:
    if not account.smtp_host:
        return ["SMTP: the outgoing mail server is not set"]
    try:
        mailer = mailer_for(account)
        check = getattr(mailer, "check", None)
        if callable(check):
            check()
    except ValidationFailed as exc:
        return [f"SMTP: {'; '.join(exc.field_errors.values())}"]
    except MailError as exc:
        return [f"SMTP: {exc}"]
    except Exception as exc:
        return [f"SMTP: unexpected error ({type(exc).__name__}: {exc})"]
    return []
