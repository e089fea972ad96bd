"""Search, route-map operations and CSV/XLSX import."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from crm.activities.models import Note
from crm.clients.contacts import add_contact, list_contacts
from crm.clients.leads import create_lead
from crm.clients.models import Client
from crm.clients.services import create_client, list_clients
from crm.deals.models import Interest
from crm.deals.services import ensure_default_stages
from crm.errors import ValidationFailed
from crm.history import history_of
from crm.importing.services import preview_import, run_import
from crm.operations import register_crm_operations
from crm.search import search_everything
from engine.db import db
from engine.operations import OperationParamsInvalid, get_operation
from tests.integration.crm.conftest import COMPANY_INNS, People, client_data


def test_search_by_phone_email_name_inn_is_access_filtered(people: People) -> None:
    mine = create_client(people.alice, client_data("ООО «Ромашка»", inn=COMPANY_INNS[0],
                                                  phones=["+7 (916) 123-45-67"], emails=["Office@Romashka.ru"]))  # fmt: skip
    contact = add_contact(
        people.alice, mine.id, {"full_name": "Мария Сидорова", "phones": ["8 903 555 44 33"]}
    )
    theirs = create_client(
        people.bob, client_data("Ромашка-Юг", phones=["+7 916 765 43 21"]), allow_duplicate=True
    )
    lead = create_lead(None, {"name": "Неизвестный звонящий", "phone": "+7 999 111 22 33"})  # unassigned

    def found(query: str, actor=people.alice) -> list[tuple[str, int, str]]:
        return [(h.entity, h.id, h.matched) for h in search_everything(actor, query)]

    assert found("89161234567") == [("client", mine.id, "phone")]
    assert found("3-45-67") == [("client", mine.id, "phone")]  # the end of the number
    assert found("office@romashka.RU") == [("client", mine.id, "email")]
    assert found("ромашка") == [("client", mine.id, "name")]  # Cyrillic case folding on both backends
    assert found("сидоров") == [("contact", contact.id, "name")]
    assert found("9035554433") == [("contact", contact.id, "phone")]
    assert found(COMPANY_INNS[0]) == [("client", mine.id, "inn")]
    assert found("+7 999 111-22-33") == [("lead", lead.id, "phone")]
    assert found("9167654321") == []  # Bob's client
    assert found("9167654321", people.bob) == [("client", theirs.id, "phone")]
    assert {h[1] for h in found("ромашка", people.admin)} == {mine.id, theirs.id}
    assert found("ромашка", people.designer) == []
    assert found("   ") == []


@pytest.fixture
def operations(people: People) -> None:
    ensure_default_stages()
    register_crm_operations()


def call(name: str, **params):  # type: ignore[no-untyped-def]
    operation = get_operation(name)
    operation.validate(params)
    result = operation.fn(**params)
    db.session.commit()  # what the engine does at the end of its step
    return result


def test_operations_act_as_system_and_log_without_user(people: People, operations: None) -> None:
    client = create_client(people.alice, client_data("Ops Co"))
    created = call("crm/create_interest", client_id=client.id, title="From the website", amount=500)
    interest = db.session.get(Interest, created["interest_id"])
    assert created["business_key"] == f"interest:{interest.id}"
    assert interest.responsible_id == people.alice.id  # the client's manager
    assert call("crm/set_interest_stage", interest_id=interest.id, stage="needs") == {
        "interest_id": interest.id, "stage": "needs", "closed": False}  # fmt: skip
    call("crm/assign_responsible", entity="interest", id=interest.id, user_id=people.bob.id)
    assert interest.responsible_id == people.bob.id
    with pytest.raises(OperationParamsInvalid):
        get_operation("crm/close_interest").validate({"interest_id": interest.id, "outcome": "lost"})
    assert call("crm/close_interest", interest_id=interest.id, outcome="won")["outcome"] == "won"
    assert {r.user_id for r in history_of("interest", interest.id)} == {None}

    ticket = call("crm/create_ticket", client_id=client.id, subject="Call me back", channel="web")
    assert ticket["business_key"].startswith("ticket:")
    posted = call("feed/post", business_key=ticket["business_key"], text="SLA <breached>\nescalated")
    note = db.session.get(Note, posted["note_id"])
    assert note.is_system and note.client_id == client.id and note.author_id is None
    assert note.body_html == "<p>SLA &lt;breached&gt;<br>escalated</p>"
    result = call("crm/add_interaction", kind="letter", subject="Newsletter")
    assert result["status"] == "done"
    with pytest.raises(OperationParamsInvalid):
        get_operation("feed/post").validate({"text": "no target"})


def test_operation_failure_leaves_nothing_behind(people: People, operations: None) -> None:
    client = create_client(people.alice, client_data("Atomic Co"))
    operation = get_operation("crm/create_interest")
    with pytest.raises(ValidationFailed):
        operation.fn(client_id=client.id, title="Bad", stage="won")
    db.session.rollback()
    assert db.session.scalars(select(Interest)).all() == []


CSV_CLIENTS = (
    "Наименование;ИНН;Телефон;E-mail;Ответственный\n"
    "ООО Альфа;7707083893;+7 495 111-11-11;alfa@example.ru;alice\n"
    "Бета;7707083894;;;\n"  # bad INN check digit
    ";;+7 495 222-22-22;;\n"  # no name
    "Гамма;;;not-an-email;\n"  # bad e-mail
    "Альфа;;;;\n"  # similar name to row 2: duplicate
    "Дельта;7736207543;8 (495) 333-33-33;;bob\n"  # Alice may not make Bob responsible
    "Эпсилон;;;eps@example.ru;\n"
).encode("cp1251")


def test_import_csv_with_bad_rows(people: People) -> None:
    preview = preview_import(CSV_CLIENTS, "clients")
    assert preview.headers == ["Наименование", "ИНН", "Телефон", "E-mail", "Ответственный"]
    assert preview.total_rows == 7
    assert preview.suggested_mapping == {"name": "Наименование", "inn": "ИНН", "phones": "Телефон",
                                         "emails": "E-mail", "responsible": "Ответственный"}  # fmt: skip
    progress: list[tuple[int, int]] = []
    result = run_import(people.alice, CSV_CLIENTS, preview.suggested_mapping,
                        progress_cb=lambda done, total: progress.append((done, total)))  # fmt: skip
    assert (result.created, result.failed, result.skipped_duplicates) == (2, 4, 1)
    assert [(e.row, e.field) for e in result.errors] == [(3, "inn"), (4, "name"), (5, "emails"), (7, "")]
    assert [(d.row, d.field) for d in result.duplicates] == [(6, "name")]
    assert progress[-1] == (7, 7) and len(progress) == 7
    names = sorted(c.name for c in list_clients(people.alice)[0])
    assert names == ["ООО Альфа", "Эпсилон"]
    # Nothing of a failed row was kept (row 4 had a phone but no name).
    assert db.session.scalars(select(Client).where(Client.name == "Дельта")).all() == []
    again = run_import(people.alice, CSV_CLIENTS, preview.suggested_mapping, on_duplicate="create")
    assert again.created == 3  # rows 2, 6 and 8 again, now as deliberate duplicates


def test_import_xlsx_contacts(people: People) -> None:
    client = create_client(people.alice, client_data("Omega", inn=COMPANY_INNS[2]))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Client INN", "Name", "Position", "Phone", "Birthday", "Key person"])
    sheet.append([int(COMPANY_INNS[2]), "Irina", "CFO", 79030001122, "1985-02-03", "yes"])
    sheet.append([COMPANY_INNS[3], "Nobody", "", "", "", ""])  # no such client of Alice's
    sheet.append([COMPANY_INNS[2], "Oleg", "", "", "03.02.1985", ""])  # bad date
    buffer = io.BytesIO()
    workbook.save(buffer)
    mapping = {"client_inn": "Client INN", "full_name": "Name", "position": "Position", "phones": "Phone",
               "birthday": "Birthday", "is_key_person": "Key person"}  # fmt: skip
    result = run_import(people.alice, buffer.getvalue(), mapping, kind="contacts")
    assert (result.created, result.failed) == (1, 2)
    assert [(e.row, e.field) for e in result.errors] == [(3, "client_inn"), (4, "birthday")]
    [irina] = list_contacts(people.alice, client.id)
    assert (irina.full_name, irina.is_key_person, irina.phones, irina.birthday.isoformat()) == (
        "Irina", True, ["79030001122"], "1985-02-03")  # fmt: skip
    with pytest.raises(ValidationFailed):
        run_import(people.alice, buffer.getvalue(), {"position": "Position"}, kind="contacts")


def test_import_row_failing_after_its_insert_is_rolled_back(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    import crm.clients.services as client_services

    real = client_services.replace_channels

    def failing_for_beta(client_id: int, contact_id: int | None, kind: str, values: list[str]) -> None:
        if db.session.get(Client, client_id).name == "Beta":  # the client row is already flushed here
            raise ValidationFailed({"phones": "refused after insert"})
        real(client_id, contact_id, kind, values)

    monkeypatch.setattr(client_services, "replace_channels", failing_for_beta)
    data = b"name,phone\nAlpha,+74950000001\nBeta,+74950000002\nGamma,+74950000003\n"
    result = run_import(people.alice, data, {"name": "name", "phones": "phone"})
    assert (result.created, result.failed) == (2, 1)
    assert sorted(db.session.scalars(select(Client.name))) == ["Alpha", "Gamma"]
    assert [(e.row, e.field) for e in result.errors] == [(3, "phones")]
