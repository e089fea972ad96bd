"""Pure normalisation and validation: phones, e-mails, names, INN check digits, HTML sanitizing, CSV reading."""

from __future__ import annotations

import pytest

from crm.activities.sanitize import html_to_text, sanitize_note_html
from crm.clients.normalize import inn_error, name_similarity, normalize_name, normalize_phone
from crm.errors import ValidationFailed
from crm.importing.readers import read_table


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (916) 123-45-67", "79161234567"),
        ("+7 916 123 45 67", "79161234567"),
        ("916-123-45-67", "79161234567"),
        ("+1 (212) 555-0100", "12125550100"),
        ("+44 20 7946 0958", "442079460958"),
        ("+7 495 123-45-67 доб. 123", "74951234567"),
        ("", ""),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("inn", "kind", "ok"),
    [
        ("7707083893", "company", True),
        ("7736207543", "company", True),
        ("7707083890", "company", False),
        ("500100732259", "person", True),
        ("500100732250", "person", False),
        ("7707083893", "person", False),
        ("12345", "company", False),
    ],
)
def test_inn_checksums(inn: str, kind: str, ok: bool) -> None:
    assert (inn_error(inn, kind) is None) is ok


def test_names_compare_without_legal_forms_and_quotes() -> None:
    assert normalize_name('ООО "Ромашка"') == normalize_name("«Ромашка», ООО") == "ромашка"
    assert normalize_name("Общество с ограниченной ответственностью «Ёлка»") == "елка"
    assert normalize_name("Acme Corp.") == normalize_name("ACME, Inc") == "acme"
    assert name_similarity("торговый дом восток", "восток торговый дом") == 1.0
    assert name_similarity("ромашка", "ромашки") >= 0.85
    assert name_similarity("ромашка", "лютик") < 0.85


def test_sanitizer_keeps_formatting_and_drops_active_content() -> None:
    dirty = (
        '<h2>Plan</h2><ul><li><b>bold</b></li></ul><svg onload="x()"></svg>'
        '<a href="JaVaScRiPt:alert(1)">a</a><img src="x" onerror="y()"><iframe src="https://e"></iframe>'
    )
    clean = sanitize_note_html(dirty)
    assert clean.startswith("<h2>Plan</h2><ul><li><b>bold</b></li></ul>")
    for gone in ("svg", "onload", "javascript", "onerror", "iframe"):
        assert gone not in clean.lower()
    assert html_to_text("<p>a</p><p>b&amp;c</p>") == "a b&c"


def test_read_csv_sniffs_delimiter_and_encoding() -> None:
    headers, rows = read_table("Имя\tИНН\nАльфа\t7707083893\n\n".encode("cp1251"))
    assert headers == ["Имя", "ИНН"] and rows == [["Альфа", "7707083893"]]
    with pytest.raises(ValidationFailed):
        read_table(b"")
    with pytest.raises(ValidationFailed):
        read_table(b"PK\x03\x04 not really a workbook")
