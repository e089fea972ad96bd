"""Client base settings → import: upload, column mapping, background run with progress, per-row report."""

from __future__ import annotations

import csv
import io

import pytest

from crm.clients.models import Client
from crm.importing import admin_services as imports
from crm.importing.jobs_models import DONE, QUEUED, UPLOADED
from crm.importing.services import CLIENTS
from engine.db import db
from tests.integration.webui.crm_admin_fixtures import field_error, log_in, make_people

GOOD_AND_BAD = (
    b"Company;INN;Phone;Manager\n"
    b"Romashka LLC;7707083893;+7 495 123-45-67;mary\n"
    b";7701234567;+7 495 000-00-00;mary\n"  # row 3: no name, and the INN's check digits are wrong
    b"Vector JSC;;+7 812 700-10-20;nobody\n"  # row 4: unknown manager
    b"Lotos Ltd;;+7 343 100-20-30;\n"
)


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def admin(people, client):
    log_in(client, "root")
    return client


def _upload(admin, data: bytes = GOOD_AND_BAD, name: str = "clients.csv", kind: str = "clients"):
    return admin.post("/admin/crm/import", data={"kind": kind, "file": (io.BytesIO(data), name)},
                      content_type="multipart/form-data")  # fmt: skip


def _mapping(**overrides):
    data = {"map-name": "Company", "map-inn": "INN", "map-phones": "Phone", "map-responsible": "Manager",
            "on_duplicate": "skip"}  # fmt: skip
    data.update(overrides)
    return data


def _clients() -> set[str]:
    return {c.name for c in db.session.query(Client)}


def test_upload_then_map_then_run_imports_good_rows_and_reports_bad_ones(admin):
    resp = _upload(admin)
    assert resp.status_code == 302
    [job], _total = imports.list_jobs("import")
    assert job.state == UPLOADED and job.total == 4
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Romashka LLC" in page  # the sample
    assert '<option value="Company" selected>' in page  # the suggested mapping
    started = admin.post(f"/admin/crm/import/{job.id}/mapping", data=_mapping())
    assert started.status_code == 302 and started.headers["Location"].endswith(f"/admin/crm/import/{job.id}")
    db.session.expire_all()
    job = imports.get_job(job.id)
    assert job.state == DONE and job.percent == 100 and job.payload is None
    assert job.result == {"total": 4, "created": 2, "skipped_duplicates": 0, "failed": 2}
    assert _clients() == {"Romashka LLC", "Lotos Ltd"}  # nothing from rows 3 and 4
    assert [(item["row"], item["field"]) for item in job.report] == [
        (3, "inn"),
        (3, "name"),
        (4, "responsible"),
    ]
    assert imports.failed_rows(job) == 2
    html = admin.get(f"/admin/crm/import/{job.id}").get_data(as_text=True)
    assert 'data-testid="import-report"' in html
    assert 'hx-trigger="every 1s"' not in html  # a finished job stops polling
    report = admin.get(f"/admin/crm/import/{job.id}/report.csv")
    assert report.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["row", "field", "message", "kind"]
    assert [r[:2] for r in rows[1:]] == [["3", "inn"], ["3", "name"], ["4", "responsible"]]
    assert "nobody" in rows[3][2] and rows[3][3] == "error"


def test_duplicates_are_skipped_and_listed(admin, people):
    from crm.clients.services import create_client

    create_client(people.manager, {"name": "Romashka LLC", "inn": "7707083893"})
    _upload(admin)
    job = imports.list_jobs("import")[0][0]
    admin.post(f"/admin/crm/import/{job.id}/mapping", data=_mapping())
    job = imports.get_job(job.id)
    assert job.result["skipped_duplicates"] == 1
    assert any(item["kind"] == "duplicate" and item["row"] == 2 for item in job.report)


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [(b"", "empty.csv", "Choose a CSV"), (b"Company\n", "header-only.csv", "no data rows"),
     (b"PK\x03\x04 not really a workbook", "broken.xlsx", "not a readable XLSX"),
     (b"a,b\n1,2\n", "clients.pdf", "Only .csv and .xlsx")],
)  # fmt: skip
def test_a_bad_file_is_refused_next_to_the_file_field(admin, data, name, words):
    resp = _upload(admin, data, name)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and field_error(html, "file") and words in html
    assert imports.list_jobs("import")[1] == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"map-name": ""}, "mapping.name"), ({"map-inn": "Company"}, "mapping.inn"),
     ({"map-kpp": "No such column"}, "mapping.kpp"), ({"on_duplicate": "merge"}, "on_duplicate")],
)  # fmt: skip
def test_a_bad_mapping_is_shown_next_to_its_select_and_nothing_runs(admin, overrides, field):
    _upload(admin)
    job = imports.list_jobs("import")[0][0]
    resp = admin.post(f"/admin/crm/import/{job.id}/mapping", data=_mapping(**overrides))
    assert resp.status_code == 400 and field_error(resp.get_data(as_text=True), field)
    assert imports.get_job(job.id).state == UPLOADED and _clients() == set()


def test_xlsx_contacts_import(admin, people):
    from openpyxl import Workbook

    from crm.clients.contacts import list_contacts
    from crm.clients.services import create_client

    client = create_client(people.admin, {"name": "Romashka LLC", "inn": "7707083893"})
    book = Workbook()
    sheet = book.active
    sheet.append(["ФИО", "ИНН", "Должность"])
    sheet.append(["Иван Петров", "7707083893", "Закупщик"])
    sheet.append(["Пётр Иванов", "0000000000", "Директор"])
    out = io.BytesIO()
    book.save(out)
    assert _upload(admin, out.getvalue(), "contacts.xlsx", "contacts").status_code == 302
    job = imports.list_jobs("import")[0][0]
    resp = admin.post(f"/admin/crm/import/{job.id}/mapping",
                      data={"map-full_name": "ФИО", "map-client_inn": "ИНН", "map-position": "Должность"})  # fmt: skip
    assert resp.status_code == 302
    job = imports.get_job(job.id)
    assert job.result["created"] == 1 and job.report[0]["field"] == "client_inn"
    assert [c.full_name for c in list_contacts(people.admin, client.id)] == ["Иван Петров"]


def test_progress_is_stored_while_the_job_runs(any_app, monkeypatch):
    """The service on both backends: progress is written as rows go, then the job finishes."""
    people = make_people()
    seen: list[tuple[int, int]] = []
    real = imports.progress_writer

    def spy(job):
        write = real(job)

        def record(done, total):
            write(done, total)
            db.session.expire_all()
            stored = imports.get_job(job.id)
            seen.append((stored.done, stored.total))

        return record

    monkeypatch.setattr(imports, "progress_writer", spy)
    job = imports.upload_import_file(people.admin, GOOD_AND_BAD, "clients.csv", CLIENTS)
    sent = []
    any_app.extensions["routemap.dispatcher"] = type(
        "Recorder", (), {"dispatch": lambda self, n, a: sent.append(a)}
    )()
    imports.start_import(people.admin, job.id, {"name": "Company", "phones": "Phone"})
    assert imports.get_job(job.id).state == QUEUED and sent == [(job.id,)]
    finished = imports.run_import_job(job.id)
    assert finished.state == DONE and finished.result["created"] == 3  # name missing in row 3 only
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert imports.run_import_job(job.id) is None  # a second delivery of the same job does nothing
