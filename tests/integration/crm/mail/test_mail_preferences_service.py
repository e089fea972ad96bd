"""Mail preferences: the default font of new letters (global and personal, SPEC #36) and saved letter-list
views (SPEC #41)."""

import pytest

from crm.errors import AccessDenied, NotFound, ValidationFailed
from crm.mail.preferences import (
    delete_list_view,
    effective_font,
    get_global_font,
    get_list_view,
    list_views,
    save_list_view,
    set_global_font,
    set_personal_font,
)


def test_the_personal_font_wins_over_the_companys_and_clearing_it_falls_back(people):
    assert effective_font(people.alice) == ("Arial", "10pt")
    set_global_font(people.admin, "Verdana", "11pt")
    assert get_global_font() == ("Verdana", "11pt") == effective_font(people.alice)
    set_personal_font(people.alice, "  Times   New Roman ", "12 PT")
    assert effective_font(people.alice) == ("Times New Roman", "12pt")
    assert effective_font(people.bob) == ("Verdana", "11pt")
    set_personal_font(people.alice, "", "")
    assert effective_font(people.alice) == ("Verdana", "11pt")


def test_only_an_administrator_sets_the_company_font(people):
    with pytest.raises(AccessDenied):
        set_global_font(people.alice, "Verdana", "11pt")


@pytest.mark.parametrize(
    ("family", "size", "errors"),
    [
        (
            "Arial;}body{x",
            "10pt",
            {"font_family": "a font name has letters, digits, spaces, commas and hyphens only"},
        ),
        ("Arial", "huge", {"font_size": "a size like 10pt or 14px"}),
        ("Arial", "99pt", {"font_size": "from 6 to 48 pt"}),
        ("", "10pt", {"font_family": "choose a font"}),
    ],
)
def test_a_bad_font_is_a_field_error(people, family, size, errors):
    with pytest.raises(ValidationFailed) as err:
        set_personal_font(people.alice, family, size)
    assert err.value.field_errors == errors


def test_views_are_saved_by_name_replaced_loaded_and_deleted_per_user(people):
    first = save_list_view(people.alice, " Unread  from clients ", {"filters": {"unread": True}})
    assert first.name == "Unread from clients"
    again = save_list_view(people.alice, "Unread from clients", {"filters": {"unread": False}})
    assert again.id == first.id and get_list_view(people.alice, first.id).settings == {
        "filters": {"unread": False}
    }
    save_list_view(people.alice, "All", {"sort": "date"})
    assert [v.name for v in list_views(people.alice)] == ["All", "Unread from clients"]
    assert list_views(people.bob) == []
    with pytest.raises(NotFound):
        get_list_view(people.bob, first.id)
    with pytest.raises(NotFound):
        delete_list_view(people.bob, first.id)
    delete_list_view(people.alice, first.id)
    assert [v.name for v in list_views(people.alice)] == ["All"]


def test_a_view_needs_a_name_and_object_settings(people):
    with pytest.raises(ValidationFailed) as err:
        save_list_view(people.alice, "  ", ["columns"])
    assert set(err.value.field_errors) == {"name", "settings"}
    with pytest.raises(ValidationFailed):
        save_list_view(people.alice, "x" * 101, {})
