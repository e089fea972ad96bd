"""Client cards: create/read/update, validation, access on every path, change history, duplicates."""

from __future__ import annotations

import pytest

from crm.clients.contacts import add_contact, get_contact, list_contacts, update_contact
from crm.clients.models import ContactDetail
from crm.clients.portrait import define_portrait_attribute
from crm.clients.services import client_history, create_client, get_client, list_clients, update_client
from crm.errors import AccessDenied, DuplicateFound, NotFound, ValidationFailed
from engine.db import db
from tests.integration.crm.conftest import COMPANY_INNS, PERSON_INN, People, client_data


def test_create_client_normalises_phones_and_emails(people: People) -> None:
    client = create_client(
        people.alice,
        client_data(
            "ООО «Ромашка»", inn=COMPANY_INNS[0], phones=["8 (916) 123-45-67"], emails=[" Info@Romashka.RU "]
        ),
    )
    stored = {(d.kind, d.normalized) for d in db.session.query(ContactDetail).filter_by(client_id=client.id)}
    assert stored == {("phone", "79161234567"), ("email", "info@romashka.ru")}
    assert client.responsible_id == people.alice.id
    assert client.department_id == people.sales.id
    assert client.name_normalized == "ромашка"


@pytest.mark.parametrize(
    ("kind", "inn", "field_ok"),
    [
        ("company", COMPANY_INNS[0], True),
        ("company", "7707083894", False),  # wrong check digit
        ("company", PERSON_INN, False),  # 12 digits for a company
        ("person", PERSON_INN, True),
        ("person", "500100732258", False),
        ("company", "77070838AB", False),
    ],
)
def test_inn_is_validated_by_kind_and_checksum(people: People, kind: str, inn: str, field_ok: bool) -> None:
    if field_ok:
        assert create_client(people.alice, client_data("X", kind=kind, inn=inn)).inn == inn
    else:
        with pytest.raises(ValidationFailed) as err:
            create_client(people.alice, client_data("X", kind=kind, inn=inn))
        assert "inn" in err.value.field_errors


def test_validation_reports_every_bad_field(people: People) -> None:
    with pytest.raises(ValidationFailed) as err:
        create_client(people.alice, {"name": " ", "kind": "company", "phones": ["12"], "emails": ["nope"]})
    assert set(err.value.field_errors) == {"name", "phones", "emails"}


def test_manager_cannot_reach_another_managers_client(people: People) -> None:
    theirs = create_client(people.bob, client_data("Bob's client", phones=["+7 495 000-00-01"]))
    mine = create_client(people.alice, client_data("Alice's client"))
    with pytest.raises(AccessDenied):
        get_client(people.alice, theirs.id)
    with pytest.raises(AccessDenied):
        update_client(people.alice, theirs.id, {"name": "Stolen"})
    with pytest.raises(AccessDenied):
        list_contacts(people.alice, theirs.id)
    with pytest.raises(AccessDenied):
        client_history(people.alice, theirs.id)
    items, total = list_clients(people.alice)
    assert [c.id for c in items] == [mine.id] and total == 1
    # The designer sees nothing, the administrator everything, the head of Sales the department.
    assert list_clients(people.designer) == ([], 0)
    assert {c.id for c in list_clients(people.admin)[0]} == {mine.id, theirs.id}
    assert {c.id for c in list_clients(people.carol)[0]} == {mine.id, theirs.id}
    assert list_clients(people.dave) == ([], 0)


def test_department_flag_opens_the_department(people: People) -> None:
    theirs = create_client(people.bob, client_data("Bob's client"))
    with pytest.raises(AccessDenied):
        get_client(people.alice, theirs.id)
    people.alice.can_see_department_clients = True
    db.session.commit()
    assert get_client(people.alice, theirs.id).id == theirs.id
    with pytest.raises(AccessDenied):
        get_client(people.dave, theirs.id)


def test_update_writes_change_history(people: People) -> None:
    client = create_client(people.alice, client_data("Alpha", phones=["+7 495 111-11-11"]))
    update_client(
        people.alice,
        client.id,
        {"name": "Alpha Plus", "website": "alpha.example", "phones": ["+74952222222"]},
    )
    update_client(people.alice, client.id, {"name": "Alpha Plus"})  # no change, no row
    rows = client_history(people.alice, client.id)
    assert [(r.action, r.field, r.old_value, r.new_value) for r in reversed(rows)] == [
        ("create", "", None, "Alpha"),
        ("update", "name", "Alpha", "Alpha Plus"),
        ("update", "website", "", "alpha.example"),
        ("update", "phones", "+7 495 111-11-11", "+74952222222"),
    ]
    assert all(r.user_id == people.alice.id for r in rows)
    assert get_client(people.alice, client.id).name_normalized == "alpha plus"


def test_responsible_change_moves_department_and_access(people: People) -> None:
    client = create_client(people.alice, client_data("Moving"))
    with pytest.raises(AccessDenied):
        update_client(people.alice, client.id, {"responsible_id": people.dave.id})
    update_client(people.admin, client.id, {"responsible_id": people.dave.id})
    assert client.department_id == people.support.id
    with pytest.raises(AccessDenied):
        get_client(people.alice, client.id)
    assert get_client(people.dave, client.id).id == client.id


def test_duplicates_by_inn_phone_email_and_similar_name(people: People) -> None:
    original = create_client(
        people.alice,
        client_data(
            "ООО «Ромашка»", inn=COMPANY_INNS[0], phones=["+7 916 123-45-67"], emails=["a@romashka.ru"]
        ),
    )
    attempts = {
        "inn": client_data("Something else", inn=COMPANY_INNS[0]),
        "phone": client_data("Other", phones=["8 916 1234567"]),
        "email": client_data("Another", emails=["A@Romashka.ru"]),
        "name": client_data('АО "Ромашкa"'),  # Latin "a" at the end: similar, not equal
    }
    for reason, data in attempts.items():
        with pytest.raises(DuplicateFound) as err:
            create_client(people.bob, data)
        assert [(c.id, c.reason) for c in err.value.candidates] == [(original.id, reason)]
    assert create_client(people.bob, client_data("Лютик")).id != original.id
    forced = create_client(people.bob, attempts["inn"], allow_duplicate=True)
    assert forced.inn == COMPANY_INNS[0]


def test_contacts_portrait_and_contact_duplicates(people: People) -> None:
    define_portrait_attribute(
        people.admin,
        code="employees",
        label="Employees",
        value_type="number",
        applies_to="company",
        required=True,
    )
    define_portrait_attribute(
        people.admin,
        code="hobby",
        label="Hobby",
        value_type="choice",
        choices=["golf", "chess"],
        applies_to="contact",
    )
    with pytest.raises(ValidationFailed) as err:
        create_client(people.alice, client_data("NoPortrait"))
    assert err.value.field_errors == {"portrait.employees": "Employees is required"}
    with pytest.raises(ValidationFailed):
        create_client(people.alice, client_data("BadPortrait", portrait={"employees": "many"}))
    client = create_client(people.alice, client_data("Portrait Co", portrait={"employees": "120"}))
    assert client.portrait == {"employees": 120}
    # A person client does not need the company attribute.
    assert create_client(people.alice, {"name": "Ivan Petrov", "kind": "person"}).portrait == {}

    contact = add_contact(people.alice, client.id, {
        "full_name": "Anna Smirnova", "position": "CEO", "is_key_person": True, "birthday": "1980-05-17",
        "phones": ["+7 903 000 00 01"], "portrait": {"hobby": "golf"}})  # fmt: skip
    assert contact.phones == ["+7 903 000 00 01"] and contact.birthday.isoformat() == "1980-05-17"
    with pytest.raises(DuplicateFound):
        add_contact(people.alice, client.id, {"full_name": "Anna Smirnova"})
    with pytest.raises(DuplicateFound):
        add_contact(people.alice, client.id, {"full_name": "Someone", "phones": ["89030000001"]})
    with pytest.raises(ValidationFailed):
        update_contact(people.alice, contact.id, {"portrait": {"hobby": "poker"}})
    update_contact(people.alice, contact.id, {"position": "Owner"})
    with pytest.raises(AccessDenied):
        get_contact(people.bob, contact.id)
    with pytest.raises(NotFound):
        get_contact(people.alice, 99999)
    # Client-level channels do not include the contact's phone.
    assert get_client(people.alice, client.id).phones == []
