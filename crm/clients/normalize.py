"""Normalisation and validation of client data: phones, e-mails, names, Russian INN.

Pure functions (no database): search and duplicate control compare the normalised forms.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from crm.messages import N_

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Legal forms stripped from company names before comparing them (Russian and common foreign ones).
LEGAL_FORMS = (
    "общество с ограниченной ответственностью",
    "публичное акционерное общество",
    "закрытое акционерное общество",
    "открытое акционерное общество",
    "непубличное акционерное общество",
    "акционерное общество",
    "индивидуальный предприниматель",
    "ооо", "оао", "зао", "пао", "нао", "ао", "ип", "нко", "ано", "гуп", "муп", "фгуп",
    "llc", "ltd", "limited", "inc", "corp", "corporation", "gmbh", "ag", "plc", "sa", "co", "company",
)  # fmt: skip
_LEGAL_FORM_RE = re.compile(
    r"(?<![\w])(" + "|".join(re.escape(f) for f in sorted(LEGAL_FORMS, key=len, reverse=True)) + r")(?![\w])"
)
_NON_WORD_RE = re.compile(r"[^\w]+")

INN_10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)

NAME_SIMILARITY_THRESHOLD = 0.85


def normalize_phone(raw: str) -> str:
    """Digits of a phone in international form without '+': ``8 (916) 123-45-67`` -> ``79161234567``.

    Russian conventions: a leading 8 of an 11-digit number becomes 7, a bare 10-digit number gets 7.
    Extensions (``доб.``/``ext``) are dropped. Returns "" when there are no digits.
    """
    main = re.split(r"(?i)\s*(?:доб\.?|ext\.?|x)\s*\d+\s*$", raw.strip())[0]
    digits = re.sub(r"\D", "", main)
    if len(digits) == 11 and digits.startswith("8") and not main.strip().startswith("+"):
        digits = "7" + digits[1:]
    elif len(digits) == 10 and not main.strip().startswith("+"):
        digits = "7" + digits
    return digits


def is_valid_phone(raw: str) -> bool:
    """A phone is usable when it has 7 to 15 digits (E.164 allows at most 15)."""
    return 7 <= len(normalize_phone(raw)) <= 15


def normalize_email(raw: str) -> str:
    """An e-mail as compared and searched: trimmed and lower-cased."""
    return raw.strip().lower()


def is_valid_email(raw: str) -> bool:
    return bool(EMAIL_RE.match(raw.strip()))


def normalize_name(raw: str) -> str:
    """A name for comparison: lower-case, ё->е, no quotes, legal forms or punctuation, single spaces.

    ``ООО «Ромашка»`` and ``Romashka LLC``-style variants of one name come out alike: ``ромашка``.
    """
    text = raw.lower().replace("ё", "е")
    text = _NON_WORD_RE.sub(" ", text)
    text = _LEGAL_FORM_RE.sub(" ", text)
    return " ".join(text.split())


def name_similarity(a: str, b: str) -> float:
    """Similarity 0..1 of two already normalised names (difflib ratio, order of words ignored)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    direct = SequenceMatcher(None, a, b).ratio()
    sorted_words = SequenceMatcher(None, " ".join(sorted(a.split())), " ".join(sorted(b.split()))).ratio()
    return max(direct, sorted_words)


def inn_error(inn: str, kind: str) -> str | None:
    """Why ``inn`` is not a valid Russian INN for a client of ``kind`` (company/person), or None if it is.

    Companies have 10 digits, persons (incl. sole proprietors) 12; the last digit(s) are check digits.
    """
    if not inn.isdigit():
        return N_("INN must contain digits only")
    expected = 10 if kind == "company" else 12
    if len(inn) != expected:
        if kind == "company":
            return N_("INN of a company must have 10 digits")
        return N_("INN of a person must have 12 digits")
    digits = [int(c) for c in inn]
    if expected == 10:
        if _check_digit(digits, INN_10_WEIGHTS) != digits[9]:
            return N_("INN check digit does not match")
        return None
    if (
        _check_digit(digits, INN_11_WEIGHTS) != digits[10]
        or _check_digit(digits, INN_12_WEIGHTS) != digits[11]
    ):
        return N_("INN check digits do not match")
    return None


def is_valid_inn(inn: str, kind: str) -> bool:
    return inn_error(inn, kind) is None


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10
