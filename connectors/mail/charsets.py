"""Turning the bytes of a header or a body into text without losing it.

Mail in the wild declares charsets that do not exist (``x-unknown``, ``win-1251``), declares the wrong one
(``koi8-r`` on windows-1251 bytes, ``iso-8859-1`` on Russian text) or none at all (8-bit headers). Decoding with
the declared charset and ``errors="replace"`` would turn such text into question marks; instead the declared
charset is tried first and, when it fails or the result looks like mojibake, UTF-8 and the two common Russian
single-byte charsets are tried and the most plausible text wins.
"""

from __future__ import annotations

import codecs
import math
import re

# Aliases seen in real mail that Python's codec registry does not know.
_ALIASES = {
    "win-1251": "cp1251",
    "windows1251": "cp1251",
    "win1251": "cp1251",
    "x-cp1251": "cp1251",
    "cp-1251": "cp1251",
    "windows-1251": "cp1251",
    "koi8r": "koi8_r",
    "x-koi8-r": "koi8_r",
    "koi8-ru": "koi8_u",
    "x-mac-cyrillic": "mac_cyrillic",
    "iso-8859-8-i": "iso8859_8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "unicode-1-1-utf-7": "utf_7",
    "x-user-defined": "cp1252",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
    "iso-8859-1": "cp1252",  # every mailer that says latin-1 means windows-1252 (as browsers assume)
    "latin1": "cp1252",
    "latin-1": "cp1252",
}

# Russian letter frequencies (percent); the score of a text is how "Russian" its Cyrillic letters look.
_RUSSIAN_FREQUENCIES = {
    "о": 10.97, "е": 8.45, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47, "р": 4.73, "в": 4.54,
    "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81, "у": 2.62, "я": 2.01, "ы": 1.90, "ь": 1.74,
    "г": 1.70, "з": 1.65, "б": 1.59, "ч": 1.44, "й": 1.21, "х": 0.97, "ж": 0.94, "ш": 0.73, "ю": 0.64,
    "ц": 0.48, "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04, "ё": 0.04,
}  # fmt: skip
_UNIFORM = 100 / len(_RUSSIAN_FREQUENCIES)
_LETTER_WEIGHT = {letter: math.log(freq / _UNIFORM) for letter, freq in _RUSSIAN_FREQUENCIES.items()}
_WORD = re.compile(r"[^\W\d_]+")
_SAMPLE = 64 * 1024  # judging the first 64 KB is enough and keeps huge bodies cheap
_CANDIDATES = tuple(codecs.lookup(name).name for name in ("utf_8", "cp1251", "koi8_r"))
_LATIN_FAMILY = {codecs.lookup(name).name for name in ("ascii", "cp1252", "latin_1", "iso8859_15")}
_UTF8 = codecs.lookup("utf_8").name


def codec_name(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when it is missing or unknown."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def russian_score(text: str) -> tuple[float, int]:
    """(score per Cyrillic letter, number of Cyrillic letters) of the start of ``text``.

    Positive: reads like Russian. Negative: letter frequencies and letter case look like mojibake (KOI8-R read
    as windows-1251, UTF-8 read as windows-1251, ...), or Cyrillic letters sit inside Latin words.
    """
    total = 0.0
    letters = 0
    for word in _WORD.findall(text[:_SAMPLE]):
        cyrillic = sum(1 for char in word if _is_cyrillic(char))
        if not cyrillic:
            continue
        letters += cyrillic
        if cyrillic != len(word):
            total -= 2.0 * len(word)  # mixed scripts inside one word
            continue
        total += sum(_LETTER_WEIGHT.get(char.lower(), -2.5) for char in word)
        if len(word) > 1 and not (word.islower() or word.isupper() or word[1:].islower()):
            total -= 1.5 * len(word)  # "пРИВЕТ": case flipping inside a word
    return (total / letters if letters else 0.0), letters


def _latin_high_share(text: str) -> float:
    sample = text[:_SAMPLE]
    letters = [char for char in sample if char.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for char in letters if "\u00c0" <= char <= "\u00ff") / len(letters)


def _looks_wrong(text: str, codec: str) -> bool:
    score, letters = russian_score(text)
    if letters >= 3 and score < 0:
        return True
    # Russian bytes read as Latin-1 become "Ïðèâåò": nearly every letter an accented one.
    return codec in _LATIN_FAMILY and _latin_high_share(text) > 0.4


def _best_guess(data: bytes) -> tuple[str, str] | None:
    """The most plausible (text, codec) among UTF-8 and the Russian single-byte charsets, if any reads well."""
    best: tuple[float, str, str] | None = None
    for codec in _CANDIDATES:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == _UTF8:
            return text, codec  # strict UTF-8 over 8-bit data is almost never an accident
        score, letters = russian_score(text)
        if letters and score > 0 and (best is None or score > best[0]):
            best = (score, text, codec)
    return (best[1], best[2]) if best else None


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str]:
    """Decode ``data`` declared as ``charset``; returns (text, note). The note is empty when the declared
    charset decoded the data plausibly, else it says what was done instead (kept in the parse errors).
    """
    if not data:
        return "", ""
    codec = codec_name(charset)
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            pass
        else:
            if data.isascii() or not _looks_wrong(text, codec):
                return text, ""
            guess = _best_guess(data)
            if guess is not None and guess[1] != codec:
                return guess[0], f"charset {charset} did not fit the text; decoded as {guess[1]}"
            return text, ""
    if data.isascii():
        return data.decode("ascii"), ""
    guess = _best_guess(data)
    if guess is not None:
        text, used = guess
    else:
        if codec is not None:
            # Mostly valid with a few broken bytes: keep the declared charset. Nothing valid: it was a lie.
            text = data.decode(codec, errors="replace")
            if any(not char.isascii() and char != "\ufffd" for char in text[:_SAMPLE]):
                return text, f"some bytes are not valid {charset}; replaced"
        text, used = data.decode("cp1252", errors="replace"), "cp1252"
    if charset and codec is None:
        return text, f"unknown charset {charset}; decoded as {used}"
    if charset:
        return text, f"text is not valid {charset}; decoded as {used}"
    return text, "" if used == _UTF8 else f"8-bit text without a charset; decoded as {used}"


def recover_surrogates(text: str, charset: str | None = None) -> tuple[str, str]:
    """Re-decode text the ``email`` package kept as surrogate escapes (raw 8-bit bytes in headers)."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text, ""
    data = text.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8"), ""  # raw UTF-8 (RFC 6532) is what modern mailers send
    except UnicodeDecodeError:
        return decode_bytes(data, charset)
