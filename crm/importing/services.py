"""Importing clients and contact persons from CSV/XLSX with a column mapping and a per-row error report.

Each row runs in its own savepoint: a row that fails leaves nothing behind, the others are kept. Duplicates
(same INN/phone/e-mail or a similar name — also earlier rows of the same file) are skipped or created anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from crm.access import visible_clients_clause
from crm.accounts.models import User
from crm.clients.contacts import add_contact_in_session
from crm.clients.models import BusinessRegion, Client, Segment
from crm.clients.normalize import normalize_name
from crm.clients.services import create_client_in_session
from crm.errors import AccessDenied, DuplicateFound, ValidationFailed
from crm.importing.readers import FileInput, read_table
from crm.messages import N_, Message
from engine.db import db

CLIENTS = "clients"
CONTACTS = "contacts"
SAMPLE_ROWS = 5
COMMIT_EVERY = 500

# Target fields per kind, with the header words that suggest them in ``preview_import``.
TARGET_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    CLIENTS: {
        "name": ("name", "client", "company", "наименование", "название", "клиент"),
        "kind": ("kind", "type", "вид", "тип"),
        "legal_name": ("legal name", "full name", "полное наименование", "юридическое"),
        "inn": ("inn", "tax id", "инн"),
        "kpp": ("kpp", "кпп"),
        "phones": ("phone", "phones", "tel", "телефон"),
        "emails": ("email", "e-mail", "mail", "почта"),
        "legal_address": ("legal address", "юридический адрес"),
        "actual_address": ("address", "адрес"),
        "website": ("website", "site", "сайт"),
        "description": ("description", "comment", "описание", "комментарий"),
        "segment": ("segment", "сегмент"),
        "region": ("region", "регион"),
        "responsible": ("responsible", "manager", "ответственный", "менеджер"),
    },
    CONTACTS: {
        "client_inn": ("client inn", "inn", "инн"),
        "client_name": ("client", "company", "клиент", "организация"),
        "full_name": ("name", "full name", "contact", "фио", "имя", "контакт"),
        "position": ("position", "title", "должность"),
        "phones": ("phone", "phones", "tel", "телефон"),
        "emails": ("email", "e-mail", "mail", "почта"),
        "birthday": ("birthday", "birth date", "день рождения", "дата рождения"),
        "is_key_person": ("key", "key person", "ключевое"),
        "comment": ("comment", "комментарий"),
    },
}
KIND_WORDS = {"company": "company", "компания": "company", "юл": "company", "юр": "company",
              "person": "person", "физ": "person", "фл": "person", "частное лицо": "person"}  # fmt: skip
TRUE_WORDS = {"1", "yes", "true", "да", "x", "+"}


@dataclass(frozen=True)
class RowError:
    row: int  # the row number as the spreadsheet shows it (header = 1)
    field: str
    message: str


@dataclass
class ImportPreview:
    headers: list[str]
    sample: list[list[str]]
    total_rows: int
    fields: list[str]
    suggested_mapping: dict[str, str]


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    skipped_duplicates: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[RowError] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)


def preview_import(file: FileInput, kind: str = CLIENTS, *, file_format: str | None = None) -> ImportPreview:
    """Headers, the first rows and a suggested ``{target field: column header}`` mapping of a file.

    ``kind`` is ``clients`` or ``contacts``; ``file_format`` (csv|xlsx) is detected when not given.
    """
    fields = _fields(kind)
    headers, rows = read_table(file, file_format)
    suggested: dict[str, str] = {}
    for target, words in fields.items():
        for header in headers:
            if header not in suggested.values() and header.strip().lower() in words:
                suggested[target] = header
                break
    return ImportPreview(headers, rows[:SAMPLE_ROWS], len(rows), list(fields), suggested)


def run_import(
    actor: User,
    file: FileInput,
    mapping: Mapping[str, str],
    *,
    kind: str = CLIENTS,
    on_duplicate: str = "skip",
    progress_cb: Callable[[int, int], None] | None = None,
    file_format: str | None = None,
) -> ImportResult:
    """Import every row of ``file`` as a client (or contact person) of ``actor`` and commit.

    ``mapping`` maps target fields (see ``TARGET_FIELDS``; ``portrait.<code>`` for portrait values) to
    column headers. ``on_duplicate`` is ``skip`` (report and skip) or ``create`` (import anyway).
    ``progress_cb(done, total)`` is called after each row. Returns counts and the per-row error report.
    """
    fields = _fields(kind)
    if on_duplicate not in ("skip", "create"):
        raise ValidationFailed({"on_duplicate": N_("skip or create")})
    headers, rows = read_table(file, file_format)
    unknown = {t for t in mapping if t not in fields and not (kind == CLIENTS and t.startswith("portrait."))}
    missing = {h for h in mapping.values() if h not in headers}
    if unknown or missing:
        raise ValidationFailed({"mapping": f"unknown fields {sorted(unknown)} / columns {sorted(missing)}"})
    required = "name" if kind == CLIENTS else "full_name"
    if required not in mapping:
        raise ValidationFailed({"mapping": Message(N_("map a column to %(field)s"), field=required)})
    position = {h: i for i, h in enumerate(headers)}
    result = ImportResult(total=len(rows))
    for index, row in enumerate(rows):
        row_number = index + 2
        values = {target: row[position[header]] for target, header in mapping.items()}
        savepoint = db.session.begin_nested()
        try:
            if kind == CLIENTS:
                created = _import_client(actor, values, on_duplicate == "create")
            else:
                created = _import_contact(actor, values, on_duplicate == "create")
            savepoint.commit()
            result.created += 1
            result.created_ids.append(created)
        except DuplicateFound as exc:
            savepoint.rollback()
            result.skipped_duplicates += 1
            first = exc.candidates[0]
            result.duplicates.append(RowError(row_number, first.reason, f"duplicate of {first.entity} "
                                              f"{first.id} ({first.name})"))  # fmt: skip
        except ValidationFailed as exc:
            savepoint.rollback()
            result.failed += 1
            result.errors.extend(RowError(row_number, f, m) for f, m in exc.field_errors.items())
        except SQLAlchemyError as exc:  # a value the database refuses: report the row, keep importing
            savepoint.rollback()
            result.failed += 1
            result.errors.append(
                RowError(row_number, "", f"the database refused the row ({type(exc).__name__})")
            )
        except AccessDenied as exc:
            savepoint.rollback()
            result.failed += 1
            result.errors.append(RowError(row_number, "", str(exc)))
        if (index + 1) % COMMIT_EVERY == 0:
            db.session.commit()
        if progress_cb is not None:
            progress_cb(index + 1, len(rows))
    db.session.commit()
    return result


def _fields(kind: str) -> dict[str, tuple[str, ...]]:
    if kind not in TARGET_FIELDS:
        raise ValidationFailed({"kind": N_("clients or contacts")})
    return TARGET_FIELDS[kind]


def _import_client(actor: User, values: Mapping[str, str], allow_duplicate: bool) -> int:
    data: dict[str, Any] = {k: v for k, v in values.items() if k in ("name", "legal_name", "inn", "kpp",
                            "legal_address", "actual_address", "website", "description", "phones", "emails")}  # fmt: skip
    errors: dict[str, str] = {}
    if values.get("kind"):
        data["kind"] = KIND_WORDS.get(values["kind"].strip().lower(), values["kind"].strip().lower())
    elif len(values.get("inn", "").strip()) == 12:
        data["kind"] = "person"
    for target, model in (("segment", Segment), ("region", BusinessRegion)):
        if values.get(target):
            ident = db.session.scalar(select(model.id).where(model.name == values[target].strip()))
            if ident is None:
                errors[target] = Message(
                    N_("no %(field)s named %(value)r"), field=target, value=values[target]
                )
            data[f"{target}_id"] = ident
    if values.get("responsible"):
        user_id = db.session.scalar(select(User.id).where(User.username == values["responsible"].strip()))
        if user_id is None:
            errors["responsible"] = Message(N_("no user %(name)r"), name=values["responsible"])
        data["responsible_id"] = user_id
    portrait = {k.removeprefix("portrait."): v for k, v in values.items() if k.startswith("portrait.") and v}
    if portrait:
        data["portrait"] = portrait
    if errors:
        raise ValidationFailed(errors)
    return create_client_in_session(actor, data, allow_duplicate=allow_duplicate).id


def _import_contact(actor: User, values: Mapping[str, str], allow_duplicate: bool) -> int:
    client = _find_client(actor, values.get("client_inn", "").strip(), values.get("client_name", "").strip())
    data: dict[str, Any] = {k: v for k, v in values.items() if k in ("full_name", "position", "phones", "emails",
                                                                    "birthday", "comment")}  # fmt: skip
    data["is_key_person"] = values.get("is_key_person", "").strip().lower() in TRUE_WORDS
    return add_contact_in_session(actor, client.id, data, allow_duplicate=allow_duplicate).id


def _find_client(actor: User, inn: str, name: str) -> Client:
    live = (Client.merged_into_id.is_(None), visible_clients_clause(actor))
    if inn:
        client = db.session.scalars(
            select(Client).where(Client.inn == inn, *live).order_by(Client.id)
        ).first()
        if client is None:
            raise ValidationFailed(
                {"client_inn": Message(N_("no client of yours with INN %(inn)s"), inn=inn)}
            )
        return client
    if name:
        stmt = select(Client).where(Client.name_normalized == normalize_name(name), *live).order_by(Client.id)
        client = db.session.scalars(stmt).first()
        if client is None:
            raise ValidationFailed(
                {"client_name": Message(N_("no client of yours named %(name)r"), name=name)}
            )
        return client
    raise ValidationFailed({"client_name": N_("give the contact's client (INN or name)")})
