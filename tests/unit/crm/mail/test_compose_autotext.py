"""Autotext (SPEC #39, #41): appeal numbers in subjects and placeholders in signatures and templates."""

from datetime import UTC, datetime
from types import SimpleNamespace

from crm.mail.autotext import (
    AutotextContext,
    appeal_number_of,
    appeal_number_of_letter,
    appeal_tag,
    find_appeal_number,
    render_autotext,
    unknown_placeholders,
    with_appeal_number,
)

WRITER = SimpleNamespace(full_name="Mary <Seller>", username="mary", email="mary@co.example",
                         timezone="Europe/Moscow", locale="ru")  # fmt: skip


def test_an_interest_is_tagged_I_and_a_ticket_T_and_the_ticket_wins():
    assert appeal_tag("interest", 123) == "[#I-123]"
    assert appeal_tag("ticket", 45) == "[#T-45]"
    assert appeal_number_of(interest_id=123, ticket_id=45) == "[#T-45]"
    assert appeal_number_of(interest_id=123) == "[#I-123]"
    assert appeal_number_of() == ""


def test_the_tag_is_found_in_a_reply_subject_whatever_the_case():
    assert find_appeal_number("Re: Fwd: prices [#i-77] tomorrow") == ("interest", 77)
    assert find_appeal_number("RE: [#T-5]") == ("ticket", 5)
    assert find_appeal_number("price #I-5 without brackets") is None
    assert find_appeal_number("") is None


def test_the_reply_number_comes_from_the_subject_else_from_the_answered_letters_links():
    tagged = SimpleNamespace(subject="Re: offer [#I-9]", interest_id=3, ticket_id=None)
    linked = SimpleNamespace(subject="Hello", interest_id=3, ticket_id=None)
    assert appeal_number_of_letter(tagged) == "[#I-9]"
    assert appeal_number_of_letter(linked) == "[#I-3]"
    assert appeal_number_of_letter(None) == ""


def test_a_subject_gets_the_tag_once():
    assert with_appeal_number("Offer", "[#I-1]") == "Offer [#I-1]"
    assert with_appeal_number("Re: Offer [#I-1]", "[#I-1]") == "Re: Offer [#I-1]"
    assert with_appeal_number("Offer", "") == "Offer"


def test_placeholders_are_filled_and_escaped_in_html_but_not_in_plain_text():
    context = AutotextContext(user=WRITER, ticket_id=45, now=datetime(2026, 6, 11, 22, 30, tzinfo=UTC),
                              reply_to=SimpleNamespace(subject="Re: [#I-8]", interest_id=None, ticket_id=None))  # fmt: skip
    template = (
        "{{ current_user }} ({{current_user_email}}) {{appeal_number}} {{appeal_number_reply}} {{date}}"
    )
    assert render_autotext(template, context, as_html=True) == (
        "Mary &lt;Seller&gt; (mary@co.example) [#T-45] [#I-8] 12.06.2026"  # 22:30 UTC is the 12th in Moscow
    )
    assert render_autotext("{{current_user}}", context, as_html=False) == "Mary <Seller>"


def test_an_unknown_placeholder_stays_visible_and_is_reported():
    context = AutotextContext(user=WRITER)
    assert render_autotext("Hi {{curent_user}}", context, as_html=True) == "Hi {{curent_user}}"
    assert unknown_placeholders("{{curent_user}} {{date}} {{x}}") == ["curent_user", "x"]


def test_without_a_writer_the_user_placeholders_are_empty_and_the_date_is_iso_for_english():
    context = AutotextContext(now=datetime(2026, 6, 11, 8, 0, tzinfo=UTC))
    assert render_autotext("[{{current_user}}] {{date}}", context, as_html=False) == "[] 2026-06-11"
