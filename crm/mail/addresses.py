"""Recipient fields of an outgoing letter: ``"Ivan <ivan@x.ru>, petr@y.ru; ..."`` → checked address lists.

Errors name the field and the entry, e.g. ``to: 'abc' is not an e-mail address``, so the form can show them
next to the field.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from crm.errors import ValidationFailed
from crm.messages import N_, Message

MAX_RECIPIENTS = 100
_LOCAL_FORBIDDEN = re.compile(r"[\s<>(),;:\"\[\]\\@]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_email_address(address: str) -> bool:
    """A plausible mailbox: ``local@domain.tld`` (internationalised domains allowed)."""
    local, at, domain = address.rpartition("@")
    if not at or not local or len(local) > 64 or len(address) > 254 or _LOCAL_FORBIDDEN.search(local):
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or label.startswith("-") or label.endswith("-"):
            return False
        if not all(ch.isalnum() or ch == "-" for ch in label):
            return False
    return True


def split_entries(value: str) -> list[str]:
    """The comma/semicolon-separated entries of a field, commas inside quotes or <...> kept."""
    entries, current, quoted, bracket = [], [], False, False
    for char in value:
        if char == '"' and not bracket:
            quoted = not quoted
        elif char == "<" and not quoted:
            bracket = True
        elif char == ">" and not quoted:
            bracket = False
        if char in ",;" and not quoted and not bracket:
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    entries.append("".join(current))
    return [" ".join(e.split()) for e in entries if e.strip()]


def parse_recipients(field: str, value: str) -> list[dict[str, str]]:
    """The addresses of one field as ``[{"name", "address"}]`` (address lower-cased, duplicates dropped);
    ``ValidationFailed({field: ...})`` names the first entry that is not an address."""
    value = (value or "").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    if _CONTROL.search(value):
        raise ValidationFailed(
            {field: Message(N_("%(field)s: control characters are not allowed"), field=field)}
        )
    found: list[dict[str, str]] = []
    seen: set[str] = set()
    for entry in split_entries(value):
        name, address = parseaddr(entry)
        address = address.strip()
        if not is_email_address(address) or (not name and address != entry.strip("<> ")):
            raise ValidationFailed(
                {
                    field: Message(
                        N_("%(field)s: %(entry)r is not an e-mail address"), field=field, entry=entry
                    )
                }
            )
        key = address.lower()
        if key in seen:
            continue
        seen.add(key)
        found.append({"name": " ".join(name.split()).replace('"', ""), "address": key})
    if len(found) > MAX_RECIPIENTS:
        raise ValidationFailed(
            {field: Message(N_("%(field)s: at most %(limit)s addresses"), field=field, limit=MAX_RECIPIENTS)}
        )
    return found


def format_recipients(addresses: list[dict[str, str]]) -> str:
    """Back to a field's text: ``Name <address>, address``."""
    parts = []
    for item in addresses:
        name = (item.get("name") or "").replace('"', "")
        address = item.get("address") or ""
        parts.append(f'"{name}" <{address}>' if name and any(c in name for c in ",;<>@") else
                     f"{name} <{address}>" if name else address)  # fmt: skip
    return ", ".join(parts)
