"""Imports as background jobs: upload a file, map its columns, run it with progress, download the report.

The job row (``AdminJob``) holds the uploaded file until the run, the progress while it runs and the per-row
report afterwards; the generic claim/progress/finish helpers here also serve other long administrator jobs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, select, update

from crm.accounts.models import ADMINISTRATOR, User
from crm.clients.models import PortraitAttribute
from crm.errors import AccessDenied, CrmError, NotFound, ValidationFailed
from crm.importing.jobs_models import DONE, FAILED, JOB_IMPORT, QUEUED, RUNNING, UPLOADED, AdminJob
from crm.importing.services import CLIENTS, CONTACTS, TARGET_FIELDS, ImportPreview, preview_import, run_import
from crm.messages import N_, Message
from engine.db import db, utcnow
from engine.jobs import enqueue

MAX_IMPORT_BYTES = 20 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx")
PROGRESS_STEPS = 50  # progress is written about this many times per run (each write is a commit)
REQUIRED_TARGET = {CLIENTS: "name", CONTACTS: "full_name"}


def ensure_admin(actor: User) -> None:
    """Raise ``AccessDenied`` unless ``actor`` is an administrator."""
    if not actor.has_role(ADMINISTRATOR):
        raise AccessDenied(N_("Only an administrator may run this."))


# --- generic job helpers ------------------------------------------------------------------------------------


def get_job(job_id: int, kind: str | None = None) -> AdminJob:
    """A job by id (of ``kind`` when given); ``NotFound`` otherwise."""
    job = db.session.get(AdminJob, job_id)
    if job is None or (kind is not None and job.kind != kind):
        raise NotFound(f"Job {job_id} does not exist.")
    return job


def list_jobs(kind: str, *, page: int = 1, per_page: int = 20) -> tuple[list[AdminJob], int]:
    """Jobs of ``kind``, newest first, one page, and how many there are."""
    total = db.session.scalar(select(func.count()).select_from(AdminJob).where(AdminJob.kind == kind)) or 0
    rows = db.session.scalars(
        select(AdminJob)
        .where(AdminJob.kind == kind)
        .order_by(AdminJob.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def claim_job(job_id: int, kind: str) -> AdminJob | None:
    """Move a queued job to "running" (once: a second delivery of the same job finds it claimed -> None)."""
    claimed = db.session.execute(
        update(AdminJob)
        .where(AdminJob.id == job_id, AdminJob.kind == kind, AdminJob.state == QUEUED)
        .values(state=RUNNING, started_at=utcnow(), done=0)
    ).rowcount
    db.session.commit()
    return db.session.get(AdminJob, job_id) if claimed else None


def progress_writer(job: AdminJob) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` callback that stores progress about ``PROGRESS_STEPS`` times per run."""
    job_id = job.id
    last_written = [0]

    def write(done: int, total: int) -> None:
        step = max(1, total // PROGRESS_STEPS)
        if done - last_written[0] < step and done != total:
            return
        last_written[0] = done
        db.session.execute(update(AdminJob).where(AdminJob.id == job_id).values(done=done, total=total))
        db.session.commit()

    return write


def finish_job(job_id: int, result: dict[str, Any], report: list[dict[str, Any]] | None = None) -> AdminJob:
    """Mark a job done with its counts (and per-row report); the uploaded file is dropped."""
    job = get_job(job_id)
    job.state, job.result, job.finished_at, job.payload = DONE, result, utcnow(), None
    job.done = job.total
    if report is not None:
        job.report = report
    db.session.commit()
    return job


def fail_job(job_id: int, message: str) -> AdminJob:
    """Mark a job failed with the reason (after rolling back whatever the run left unsaved)."""
    db.session.rollback()
    job = get_job(job_id)
    job.state, job.message, job.finished_at, job.payload = FAILED, message, utcnow(), None
    db.session.commit()
    return job


# --- imports -------------------------------------------------------------------------------------------------


def upload_import_file(actor: User, data: bytes, filename: str, kind: str) -> AdminJob:
    """Keep an uploaded CSV/XLSX as a new import job waiting for its column mapping (administrators).

    The file must be readable and have a header row and at least one data row; errors come back as
    ``ValidationFailed`` with the key ``file`` (or ``kind``).
    """
    ensure_admin(actor)
    errors: dict[str, str] = {}
    if kind not in TARGET_FIELDS:
        errors["kind"] = N_("Clients or contact persons.")
    if not data:
        errors["file"] = N_("Choose a CSV or XLSX file.")
    elif len(data) > MAX_IMPORT_BYTES:
        errors["file"] = Message(
            N_("The file is larger than %(limit)s MB."), limit=MAX_IMPORT_BYTES // (1024 * 1024)
        )
    elif not filename.lower().endswith(ALLOWED_SUFFIXES):
        errors["file"] = N_("Only .csv and .xlsx files can be imported.")
    if errors:
        raise ValidationFailed(errors)
    preview = preview_import(data, kind)  # ValidationFailed({"file": ...}) for an unreadable or empty file
    if preview.total_rows == 0:
        raise ValidationFailed({"file": N_("The file has a header row but no data rows.")})
    job = AdminJob(
        kind=JOB_IMPORT,
        state=UPLOADED,
        created_by_id=actor.id,
        params={"kind": kind, "filename": filename, "mapping": {}, "on_duplicate": "skip"},
        payload=data,
        total=preview.total_rows,
    )
    db.session.add(job)
    db.session.commit()
    return job


def import_preview(job_id: int) -> ImportPreview:
    """Headers, sample rows and the suggested mapping of an uploaded, not yet started import."""
    job = get_job(job_id, JOB_IMPORT)
    if job.payload is None:
        raise ValidationFailed({"file": N_("This import has already run; upload the file again.")})
    return preview_import(job.payload, job.params["kind"])


def import_targets(kind: str) -> list[tuple[str, str]]:
    """``(target, label)`` of the fields a column may be mapped to; clients also take portrait attributes."""
    targets = [(field, field.replace("_", " ")) for field in TARGET_FIELDS[kind]]
    if kind == CLIENTS:
        attributes = db.session.scalars(
            select(PortraitAttribute)
            .where(PortraitAttribute.is_active.is_(True), PortraitAttribute.applies_to != "contact")
            .order_by(PortraitAttribute.sort_order, PortraitAttribute.id)
        )
        targets += [(f"portrait.{a.code}", f"{a.label} (portrait)") for a in attributes]
    return targets


def start_import(
    actor: User, job_id: int, mapping: Mapping[str, str], on_duplicate: str = "skip"
) -> AdminJob:
    """Check the column mapping of an uploaded import and queue it as a background job (after commit).

    ``mapping`` is ``{target field: column header}``; empty headers mean "not imported". Errors come back as
    ``ValidationFailed`` keyed ``mapping.<target>`` (or ``on_duplicate``/``mapping``); nothing is queued then.
    """
    from crm.tasks import RUN_IMPORT_JOB

    ensure_admin(actor)
    job = get_job(job_id, JOB_IMPORT)
    if job.state != UPLOADED:
        raise ValidationFailed({"mapping": N_("This import has already been started.")})
    preview = import_preview(job_id)
    kind = job.params["kind"]
    chosen = {target: header for target, header in mapping.items() if header}
    known = {target for target, _label in import_targets(kind)}
    errors: dict[str, str] = {}
    for target, header in chosen.items():
        if target not in known:
            errors[f"mapping.{target}"] = N_("Not a field of this import.")
        elif header not in preview.headers:
            errors[f"mapping.{target}"] = Message(N_("The file has no column %(header)r."), header=header)
    seen: dict[str, str] = {}
    for target, header in chosen.items():
        if header in seen:
            errors[f"mapping.{target}"] = Message(
                N_("The column %(header)r is already mapped to %(field)s."), header=header, field=seen[header]
            )
        seen.setdefault(header, target)
    required = REQUIRED_TARGET[kind]
    if required not in chosen:
        errors[f"mapping.{required}"] = N_("Map a column to this field: it is required.")
    if on_duplicate not in ("skip", "create"):
        errors["on_duplicate"] = N_("Skip duplicates or create them anyway.")
    if errors:
        raise ValidationFailed(errors)
    job.params = {**job.params, "mapping": chosen, "on_duplicate": on_duplicate}
    job.state = QUEUED
    enqueue(RUN_IMPORT_JOB, job.id)
    db.session.commit()
    return job


def run_import_job(job_id: int) -> AdminJob | None:
    """Run a queued import (the background job): rows in savepoints, progress stored, report kept.

    Returns None when the job was not queued (already run, or claimed by another delivery).
    """
    job = claim_job(job_id, JOB_IMPORT)
    if job is None:
        return None
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    if actor is None or job.payload is None:
        return fail_job(job_id, "The user who started the import or the uploaded file is gone.")
    params = dict(job.params)
    try:
        result = run_import(
            actor,
            job.payload,
            params["mapping"],
            kind=params["kind"],
            on_duplicate=params["on_duplicate"],
            progress_cb=progress_writer(job),
        )
    except CrmError as exc:
        return fail_job(job_id, str(exc))
    except Exception as exc:
        fail_job(job_id, f"The import stopped: {type(exc).__name__}.")
        raise
    report = [{"row": e.row, "field": e.field, "message": e.message, "kind": "error"} for e in result.errors]
    report += [
        {"row": d.row, "field": d.field, "message": d.message, "kind": "duplicate"} for d in result.duplicates
    ]
    report.sort(key=lambda item: (item["row"], item["kind"], item["field"]))
    counts = {
        "total": result.total,
        "created": result.created,
        "skipped_duplicates": result.skipped_duplicates,
        "failed": result.failed,
    }
    return finish_job(job_id, counts, report)


def import_report_csv(job_id: int) -> str:
    """The per-row report of a finished import as CSV: row, field, message, kind (error or duplicate)."""
    job = get_job(job_id, JOB_IMPORT)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "message", "kind"])
    for item in job.report or []:
        writer.writerow([item["row"], item["field"], item["message"], item["kind"]])
    return out.getvalue()


def failed_rows(job: AdminJob) -> int:
    """How many distinct rows of a finished import were refused (a row may have several field errors)."""
    return len({item["row"] for item in job.report or [] if item["kind"] == "error"})
