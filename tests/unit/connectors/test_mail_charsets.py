"""Charset fallbacks and HTML-to-text: the building blocks parse_message relies on."""

from __future__ import annotations

import pytest

from connectors.mail.charsets import codec_name, decode_bytes, recover_surrogates, russian_score
from connectors.mail.htmltext import html_to_text

RUSSIAN = "Добрый день! Направляем коммерческое предложение на поставку."


def test_codec_names_know_the_aliases_of_real_mail():
    assert codec_name("win-1251") == "cp1251"
    assert codec_name("Windows-1251") == "cp1251"
    assert codec_name('"koi8-r"') == "koi8-r"
    assert codec_name("utf8") == "utf-8"
    assert codec_name("x-unknown") is None
    assert codec_name("") is None


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r", "utf-8"])
@pytest.mark.parametrize("declared", [None, "cp1251", "koi8-r", "utf-8", "us-ascii", "latin-1", "bogus"])
def test_russian_text_survives_any_declaration(encoding, declared):
    text, _note = decode_bytes(RUSSIAN.encode(encoding), declared)
    assert text == RUSSIAN


def test_a_right_declaration_leaves_no_note():
    assert decode_bytes(RUSSIAN.encode("koi8-r"), "koi8-r") == (RUSSIAN, "")
    assert decode_bytes(b"plain ascii", None) == ("plain ascii", "")


def test_western_text_is_not_mistaken_for_russian():
    french = "Ça coûte très cher, déjà à Noël, garçon"
    assert decode_bytes(french.encode("cp1252"), "iso-8859-1") == (french, "")
    assert decode_bytes(french.encode("cp1252"), None)[0] == french
    german = "Grüße aus München"
    assert decode_bytes(german.encode("cp1252"), "utf-8")[0] == german


def test_mostly_valid_utf8_keeps_its_charset():
    data = "Привет мир".encode() + b"\xff" + " и всем".encode()
    text, note = decode_bytes(data, "utf-8")
    assert text == "Привет мир\ufffd и всем"
    assert "replaced" in note


def test_mojibake_scores_below_russian():
    assert russian_score(RUSSIAN)[0] > 0
    assert russian_score(RUSSIAN.encode("koi8-r").decode("cp1251"))[0] < 0
    assert russian_score(RUSSIAN.encode("cp1251").decode("koi8-r"))[0] < 0
    assert russian_score(RUSSIAN.encode("utf-8").decode("cp1251"))[0] < 0


def test_recover_surrogates():
    escaped = "Счёт".encode("cp1251").decode("ascii", errors="surrogateescape")
    assert recover_surrogates(escaped, "cp1251") == ("Счёт", "")
    assert recover_surrogates("plain") == ("plain", "")
    utf8 = "Счёт".encode().decode("ascii", errors="surrogateescape")
    assert recover_surrogates(utf8, "koi8-r") == ("Счёт", "")


def test_html_to_text():
    html = (
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<h1>Заголовок</h1><p>Первый&nbsp;абзац   с  пробелами</p><div>Строка<br>перенос</div>"
        "<ul><li>один</li><li>два</li></ul><table><tr><td>a</td><td>b</td></tr></table>"
        "<script>alert('x')</script>&lt;не тег&gt;</body></html>"
    )
    assert html_to_text(html) == (
        "Заголовок\n\nПервый абзац с пробелами\n\nСтрока\nперенос\n\n- один\n- два\n\na\tb\n<не тег>"
    )
    assert html_to_text("") == ""
    assert html_to_text("<p>unclosed <b>bold <div>x") == "unclosed bold\nx"
