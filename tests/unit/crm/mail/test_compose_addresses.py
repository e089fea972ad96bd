"""Recipient fields: lists in the forms people type, with the entry at fault named in the error."""

import pytest

from crm.errors import ValidationFailed
from crm.mail.addresses import format_recipients, is_email_address, parse_recipients


def test_names_quotes_semicolons_case_and_duplicates():
    assert parse_recipients("to", '"Petrov, Ivan" <I.Petrov@X.ru>; b@c.example, i.petrov@x.ru') == [
        {"name": "Petrov, Ivan", "address": "i.petrov@x.ru"},
        {"name": "", "address": "b@c.example"},
    ]
    assert parse_recipients("cc", "  ") == []


@pytest.mark.parametrize(
    "entry", ["abc", "x@", "a@b", "a@b.c d@e.f", "Ivan <>", "a..b@c.example", "a@-b.example"]
)
def test_what_is_not_an_address_is_named(entry):
    with pytest.raises(ValidationFailed) as err:
        parse_recipients("to", f"ok@fine.example, {entry}")
    assert err.value.field_errors == {"to": f"to: {entry!r} is not an e-mail address"}


def test_international_domains_are_addresses_and_header_injection_is_not():
    assert is_email_address("ivan@пример.рф") and not is_email_address("ivan@example.123")
    with pytest.raises(ValidationFailed):
        parse_recipients("to", "a@b.example\r\nBcc: evil@x.example")
    with pytest.raises(ValidationFailed):
        parse_recipients("to", "a@b.example\x00")


def test_lists_format_back_for_the_form():
    text = format_recipients(
        [{"name": "Petrov, Ivan", "address": "i@x.ru"}, {"name": "", "address": "b@c.example"}]
    )
    assert text == '"Petrov, Ivan" <i@x.ru>, b@c.example'
    assert parse_recipients("to", text) == [{"name": "Petrov, Ivan", "address": "i@x.ru"},
                                            {"name": "", "address": "b@c.example"}]  # fmt: skip
