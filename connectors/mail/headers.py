"""Reading header values robustly: encoded words in any (or a wrong) charset, raw 8-bit bytes, address lists,
message ids and dates. Every function returns something usable and reports trouble as notes, never raises.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime
from typing import NamedTuple

from dateutil import parser as date_parser

from connectors.mail.charsets import decode_bytes, recover_surrogates

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_WHITESPACE = re.compile(r"\s+")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
_BRACKETED_ID = re.compile(r"<([^<>\s]+)>")


class Address(NamedTuple):
    """A display name and an e-mail address (lower-cased when parsed)."""

    name: str
    address: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "address": self.address}


def unfold(value: str) -> str:
    return _FOLD.sub("", value).strip("\r\n")


def _decode_b(payload: str) -> bytes:
    data = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    data += "=" * (-len(data) % 4)
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):  # one stray character too many: drop it rather than the word
        return base64.b64decode(data[: len(data) // 4 * 4 - 4] or "")


def _decode_q(payload: str) -> bytes:
    data = payload.encode("ascii", errors="surrogateescape").replace(b"_", b" ")
    return _QP_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data)


def decode_header_text(value: str, hint: str | None = None) -> tuple[str, list[str]]:
    """The text of an unstructured header (Subject, a display name): encoded words decoded, adjacent ones in
    the same charset joined before decoding (encoders split multi-byte characters between words), raw 8-bit
    bytes decoded as ``hint`` or guessed, whitespace collapsed. Returns (text, notes).
    """
    notes: list[str] = []
    pieces: list[str | tuple[str, bytearray]] = []  # plain text, or (charset, bytes) of encoded words
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        after_encoded = bool(pieces) and isinstance(pieces[-1], tuple)
        if between and not (after_encoded and not between.strip()):
            pieces.append(between)
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*ru?...
        data = _decode_b(match.group(3)) if match.group(2).upper() == "B" else _decode_q(match.group(3))
        last = pieces[-1] if pieces else None
        if isinstance(last, tuple) and last[0].lower() == charset.lower():
            last[1].extend(data)
        else:
            pieces.append((charset, bytearray(data)))
        position = match.end()
    if position < len(value):
        pieces.append(value[position:])
    parts: list[str] = []
    for piece in pieces:
        if isinstance(piece, tuple):
            text, note = decode_bytes(bytes(piece[1]), piece[0])
        else:
            text, note = recover_surrogates(piece, hint)
        if note:
            notes.append(note)
        parts.append(text)
    return _WHITESPACE.sub(" ", "".join(parts)).strip(), notes


def parse_addresses(values: list[str], hint: str | None = None) -> tuple[list[Address], list[str]]:
    """Addresses of one or more header values (To: may appear twice). Names decoded, addresses lower-cased;
    groups and empty entries ("undisclosed-recipients:;") dropped.
    """
    notes: list[str] = []
    found: list[Address] = []
    for name, address in getaddresses([unfold(value) for value in values]):
        if not name and not address:
            continue
        text_name, name_notes = decode_header_text(name, hint)
        notes.extend(name_notes)
        clean_address, address_note = recover_surrogates(address.strip(), hint)
        if address_note:
            notes.append(address_note)
        found.append(Address(text_name.strip().strip('"').strip(), clean_address.strip().lower()))
    if values and not found and any(value.strip() for value in values):
        notes.append(f"no address could be read from {values[0][:100]!r}")
    return found, notes


def _id_token(token: str) -> str:
    return token.strip().strip("<>").strip()


def first_message_id(value: str) -> str:
    """The message id in a Message-ID or In-Reply-To header, without angle brackets ("" when none)."""
    value = unfold(value)
    match = _BRACKETED_ID.search(value)
    if match:
        return match.group(1)
    for token in value.split():
        if "@" in token:
            return _id_token(token)
    tokens = value.split()
    return _id_token(tokens[0]) if len(tokens) == 1 else ""


def message_ids(value: str) -> list[str]:
    """All message ids of a References header, in order, without duplicates or angle brackets."""
    value = unfold(value)
    ids = _BRACKETED_ID.findall(value) or [_id_token(token) for token in value.split() if "@" in token]
    return list(dict.fromkeys(item for item in ids if item))


def parse_date(value: str) -> tuple[datetime | None, str]:
    """An aware UTC datetime from a Date header, or None with a note when it cannot be read."""
    value = unfold(value).strip()
    if not value:
        return None, ""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        try:
            parsed = date_parser.parse(value)
        except (ValueError, OverflowError, TypeError):
            return None, f"the date {value[:60]!r} could not be read"
    if parsed.tzinfo is None:  # "-0000" or no zone at all: the time is UTC as far as anyone knows
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC), ""
    except (OverflowError, ValueError):
        return None, f"the date {value[:60]!r} is out of range"
