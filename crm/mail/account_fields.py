"""Validation of a mail account's settings: what an administrator (or the owner of a personal account) types.

Key fields are cleaned of the spaces and tabs a copy-paste brings along (SPEC #41): the address, the host
names and the user names lose every space and tab (none can be part of them), passwords lose the ones
around them. Each problem is reported against its field, in words the form can show next to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from crm.accounts.models import Department, User
from crm.clients.normalize import is_valid_email
from crm.mail.models import (
    ACCOUNT_KINDS,
    ACCOUNT_PERSONAL,
    LEAD_MODES,
    SECURITY_MODES,
    SECURITY_NONE,
    SECURITY_SSL,
    SECURITY_STARTTLS,
    MailSignature,
)
from crm.mail.secrets import encrypt_secret
from crm.messages import N_, Message
from engine.db import db

# Host names: letters (IDN too), digits, dots, hyphens; an IPv6 literal in brackets.
HOST_RE = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[\w.-]+)$")
BLANKS = " \t"

TEXT_FIELDS = {
    "name": 200,
    "email_address": 254,
    "imap_host": 255,
    "imap_username": 254,
    "smtp_host": 255,
    "smtp_username": 254,
    "autoreply_subject": 300,
}
# Fields cleaned of every space and tab.
KEY_FIELDS = ("email_address", "imap_host", "imap_username", "smtp_host", "smtp_username")
PASSWORD_FIELDS = ("imap_password", "smtp_password")
INT_FIELDS = {
    # name: (minimum, maximum)
    "imap_port": (1, 65535),
    "smtp_port": (1, 65535),
    "max_attachments_mb": (1, 2048),
    "poll_interval_seconds": (30, 86400),
    "autoreply_interval_days": (1, 365),
}
BOOL_FIELDS = ("is_active", "autoreply_enabled")
DATETIME_FIELDS = ("autoreply_from", "autoreply_until")
CHOICE_FIELDS = {
    "kind": ACCOUNT_KINDS,
    "imap_security": SECURITY_MODES,
    "smtp_security": SECURITY_MODES,
    "lead_mode": LEAD_MODES,
}
ID_FIELDS = ("owner_id", "default_signature_id", "lead_department_id")
OTHER_FIELDS = ("autoreply_body", "lead_scenario_folders")
SETTABLE = (
    set(TEXT_FIELDS)
    | set(PASSWORD_FIELDS)
    | set(INT_FIELDS)
    | set(BOOL_FIELDS)
    | set(DATETIME_FIELDS)
    | set(CHOICE_FIELDS)
    | set(ID_FIELDS)
    | set(OTHER_FIELDS)
)

DEFAULT_PORTS = {
    "imap": {SECURITY_SSL: 993, SECURITY_STARTTLS: 143, SECURITY_NONE: 143},
    "smtp": {SECURITY_SSL: 465, SECURITY_STARTTLS: 587, SECURITY_NONE: 25},
}


def strip_blanks(value: str) -> str:
    """A key field without any space or tab (``" imap.mail.ru\\t"`` -> ``"imap.mail.ru"``)."""
    return "".join(ch for ch in value if ch not in BLANKS)


def clean_account_fields(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The column values for the fields present in ``data`` (passwords come back encrypted under their column
    names; an empty password is left out, so the stored one stays). Raises ``ValidationFailed``."""
    from crm.errors import ValidationFailed

    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    unknown = sorted(set(data) - SETTABLE)
    for name in unknown:
        errors[name] = N_("not a mail account setting")
    for name, limit in TEXT_FIELDS.items():
        if name not in data:
            continue
        value = str(data[name] or "")
        value = strip_blanks(value) if name in KEY_FIELDS else value.strip()
        if len(value) > limit:
            errors[name] = Message(N_("at most %(limit)s characters"), limit=limit)
        cleaned[name] = value
    if "autoreply_body" in data:
        cleaned["autoreply_body"] = str(data["autoreply_body"] or "")
    for name in PASSWORD_FIELDS:
        password = str(data.get(name) or "").strip(BLANKS)
        if password:
            cleaned[f"{name}_encrypted"] = encrypt_secret(password)
    for name, (low, high) in INT_FIELDS.items():
        if name in data and data[name] not in (None, ""):
            number = _int(data[name])
            if number is None or not low <= number <= high:
                errors[name] = Message(N_("a whole number from %(low)s to %(high)s"), low=low, high=high)
            else:
                cleaned[name] = number
    for name in BOOL_FIELDS:
        if name in data:
            cleaned[name] = _bool(data[name])
    for name, choices in CHOICE_FIELDS.items():
        if name in data:
            value = str(data[name] or "").strip()
            if value not in choices:
                errors[name] = "one of: " + ", ".join(choices)
            cleaned[name] = value
    for name in DATETIME_FIELDS:
        if name in data:
            try:
                cleaned[name] = _datetime(data[name])
            except ValueError:
                errors[name] = N_("a date and time such as 2025-06-01T09:00")
    for name in ID_FIELDS:
        if name in data:
            ident = _int(data[name]) if data[name] not in (None, "") else None
            if data[name] not in (None, "") and (ident is None or ident < 1):
                errors[name] = N_("not a valid choice")
            cleaned[name] = ident
    if "lead_scenario_folders" in data:
        # Only through set_lead_folders, which checks the folders belong to the account.
        errors["lead_scenario_folders"] = N_("set lead folders with the lead settings")
    _check_values(cleaned, errors, creating=creating)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _check_values(cleaned: dict[str, Any], errors: dict[str, str], *, creating: bool) -> None:
    address = cleaned.get("email_address")
    if address is not None and not is_valid_email(address):
        errors.setdefault("email_address", "not an e-mail address")
    elif creating and not address:
        errors.setdefault("email_address", "give the account's e-mail address")
    for name in ("imap_host", "smtp_host"):
        host = cleaned.get(name)
        if host and not HOST_RE.match(host):
            errors.setdefault(name, "not a server name (such as imap.example.com)")
        elif creating and not host:
            errors.setdefault(name, "give the server name")
    if "name" in cleaned and not cleaned["name"] and not creating:
        errors.setdefault("name", "give the account a name")
    for name, model in (("owner_id", User), ("lead_department_id", Department)):
        ident = cleaned.get(name)
        if ident is not None and db.session.get(model, ident) is None:
            errors.setdefault(name, "not a valid choice")
    signature_id = cleaned.get("default_signature_id")
    if signature_id is not None and db.session.get(MailSignature, signature_id) is None:
        errors.setdefault("default_signature_id", "no such signature")
    starts, ends = cleaned.get("autoreply_from"), cleaned.get("autoreply_until")
    if starts and ends and ends <= starts:
        errors.setdefault("autoreply_until", "the end must come after the start")
    if cleaned.get("kind") == ACCOUNT_PERSONAL and "owner_id" in cleaned and cleaned["owner_id"] is None:
        errors.setdefault("owner_id", "a personal account needs its owner")


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


def _datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
