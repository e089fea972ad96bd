"""Business region and segment directories on SQLite and PostgreSQL: names unique ignoring case, IANA zones
only, paged lists with usage counts, and no delete of a row that cards use."""

from __future__ import annotations

import pytest

from crm.clients import directories
from crm.clients.directories import DirectoryInUse, Usage
from crm.clients.leads import create_lead
from crm.clients.models import BusinessRegion, Segment
from crm.clients.services import create_client
from crm.errors import AccessDenied, ValidationFailed
from engine.db import db
from tests.integration.crm.conftest import client_data


def _errors(call, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value.field_errors


def test_a_region_is_stored_with_its_name_stripped(people):
    region = directories.save_region(people.admin, name="  Siberia ", timezone="Asia/Novosibirsk")
    db.session.expire_all()
    stored = db.session.get(BusinessRegion, region.id)
    assert (stored.name, stored.timezone) == ("Siberia", "Asia/Novosibirsk")


@pytest.mark.parametrize(
    ("name", "timezone", "field"),
    [("", "Europe/Moscow", "name"), ("   ", "Europe/Moscow", "name"), ("x" * 201, "Europe/Moscow", "name"),
     ("Far East", "", "timezone"), ("Far East", "Mars/Olympus", "timezone"),
     ("Far East", "../../etc/passwd", "timezone"), ("Far East", "posixrules", "timezone")],
)  # fmt: skip
def test_bad_region_input_names_the_field_and_stores_nothing(people, name, timezone, field):
    assert field in _errors(directories.save_region, people.admin, name=name, timezone=timezone)
    assert db.session.query(BusinessRegion).count() == 0


def test_a_name_of_200_characters_is_accepted(people):
    assert len(directories.save_segment(people.admin, name="s" * 200).name) == 200


def test_names_are_unique_ignoring_case_in_any_alphabet(people):
    moscow = directories.save_region(people.admin, name="Москва", timezone="Europe/Moscow")
    errors = _errors(directories.save_region, people.admin, name="МОСКВА", timezone="Europe/Moscow")
    assert "name" in errors
    directories.save_segment(people.admin, name="Key accounts")
    assert "name" in _errors(directories.save_segment, people.admin, name=" key ACCOUNTS ")
    # The same name in another directory is fine, and a row may change the case of its own name.
    assert directories.save_segment(people.admin, name="москва").name == "москва"
    renamed = directories.save_region(people.admin, name="МОСКВА", timezone="UTC", region_id=moscow.id)
    assert (renamed.name, renamed.timezone) == ("МОСКВА", "UTC")
    assert db.session.query(BusinessRegion).count() == 1


def test_renaming_onto_another_rows_name_is_refused(people):
    directories.save_segment(people.admin, name="SMB")
    other = directories.save_segment(people.admin, name="Enterprise", description="Large companies")
    assert "name" in _errors(directories.save_segment, people.admin, name="smb", segment_id=other.id)
    db.session.expire_all()
    assert db.session.get(Segment, other.id).name == "Enterprise"


def test_a_name_stored_meanwhile_by_another_session_is_a_field_error(people, monkeypatch):
    directories.save_segment(people.admin, name="SMB")
    monkeypatch.setattr(
        directories, "_name_errors", lambda *args: {}
    )  # the check ran before the other commit
    assert "name" in _errors(directories.save_segment, people.admin, name="SMB")
    assert [s.name for s in db.session.query(Segment)] == ["SMB"]


def test_a_long_segment_description_is_refused(people):
    errors = _errors(directories.save_segment, people.admin, name="SMB", description="d" * 1001)
    assert set(errors) == {"description"}
    assert (
        directories.save_segment(people.admin, name="SMB", description="d" * 1000).description == "d" * 1000
    )


def test_only_administrators_change_the_directories(people):
    region = directories.save_region(people.admin, name="North", timezone="Europe/Moscow")
    with pytest.raises(AccessDenied):
        directories.save_region(people.carol, name="South", timezone="Europe/Moscow")
    with pytest.raises(AccessDenied):
        directories.save_segment(people.alice, name="SMB")
    with pytest.raises(AccessDenied):
        directories.delete_region(people.carol, region.id)
    assert [r.name for r in db.session.query(BusinessRegion)] == ["North"]


def test_lists_filter_by_name_ignoring_case_and_page_by_name(people):
    for name in ("Урал", "Северо-Запад", "Сибирь", "Юг", "Dagestan"):
        directories.save_region(people.admin, name=name, timezone="Europe/Moscow")
    rows, total = directories.list_regions(name="си")
    assert ([r.entry.name for r in rows], total) == (["Сибирь"], 1)
    first, total = directories.list_regions(page=1, per_page=2)
    second, _total = directories.list_regions(page=3, per_page=2)
    assert total == 5 and [r.entry.name for r in first] == ["Dagestan", "Северо-Запад"]
    assert [r.entry.name for r in second] == ["Юг"]
    assert directories.list_regions(name="100%")[1] == 0  # the filter is text, not a LIKE pattern


def test_usage_counts_client_cards_and_potential_clients(people):
    north = directories.save_region(people.admin, name="North", timezone="Europe/Moscow")
    south = directories.save_region(people.admin, name="South", timezone="Europe/Moscow")
    smb = directories.save_segment(people.admin, name="SMB")
    for name in ("Alpha", "Beta"):
        create_client(people.alice, client_data(name, region_id=north.id, segment_id=smb.id))
    create_lead(people.alice, {"name": "Gamma", "region_id": north.id})
    rows = {r.entry.name: r.usage for r in directories.list_regions()[0]}
    assert rows == {"North": Usage(clients=2, leads=1), "South": Usage()}
    assert directories.region_usage(south.id) == Usage()
    [segment_row] = directories.list_segments()[0]
    assert segment_row.usage == Usage(clients=2) == directories.segment_usage(smb.id)


def test_a_row_in_use_is_not_deleted_and_the_error_says_how_many_cards(people):
    north = directories.save_region(people.admin, name="North", timezone="Europe/Moscow")
    smb = directories.save_segment(people.admin, name="SMB")
    create_client(people.alice, client_data("Alpha", segment_id=smb.id))
    create_lead(people.alice, {"name": "Gamma", "region_id": north.id})
    with pytest.raises(DirectoryInUse) as region_in_use:
        directories.delete_region(people.admin, north.id)
    assert region_in_use.value.usage == Usage(clients=0, leads=1)
    with pytest.raises(DirectoryInUse) as segment_in_use:
        directories.delete_segment(people.admin, smb.id)
    assert segment_in_use.value.usage == Usage(clients=1)
    assert db.session.query(BusinessRegion).count() == db.session.query(Segment).count() == 1


def test_an_unused_row_is_deleted(people):
    region = directories.save_region(people.admin, name="North", timezone="Europe/Moscow")
    segment = directories.save_segment(people.admin, name="SMB")
    directories.delete_region(people.admin, region.id)
    directories.delete_segment(people.admin, segment.id)
    assert db.session.query(BusinessRegion).count() == db.session.query(Segment).count() == 0


def test_a_card_that_takes_the_row_during_the_delete_keeps_it(people, monkeypatch):
    """A delete that raced a new card is refused with the fresh count (the database checks the foreign key)."""
    smb = directories.save_segment(people.admin, name="SMB")
    create_client(people.alice, client_data("Alpha", segment_id=smb.id))
    real_usage, counted = directories._usage, []

    def first_count_misses_the_card(model, ids):
        counted.append(ids)
        return {} if len(counted) == 1 else real_usage(model, ids)

    monkeypatch.setattr(directories, "_usage", first_count_misses_the_card)
    with pytest.raises(DirectoryInUse) as caught:
        directories.delete_segment(people.admin, smb.id)
    assert caught.value.usage == Usage(clients=1) and len(counted) == 2
    assert [s.name for s in db.session.query(Segment)] == ["SMB"]
