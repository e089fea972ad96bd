"""Client base settings → import of clients and contacts: upload, map columns, run with progress, report."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.errors import NotFound, ValidationFailed
from crm.importing import admin_services as imports
from crm.importing.jobs_models import JOB_IMPORT, UPLOADED
from crm.importing.services import CLIENTS, CONTACTS
from webui.authz import role_required
from webui.views.crm_admin import bp, field_errors, not_found, page_arg

JOBS_PER_PAGE = 10


@bp.route("/import", methods=["GET", "POST"])
@role_required("administrator")
def import_upload() -> str | Response | tuple[str, int]:
    kind = request.form.get("kind", CLIENTS)
    errors: dict[str, str] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            job = imports.upload_import_file(
                current_user,
                upload.read() if upload else b"",
                (upload.filename or "") if upload else "",
                kind,
            )
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            return redirect(url_for("crm_admin.import_mapping", job_id=job.id))
    page = page_arg()
    jobs, total = imports.list_jobs(JOB_IMPORT, page=page, per_page=JOBS_PER_PAGE)
    html = render_template(
        "crm_admin/import.html", kind=kind, kinds=(CLIENTS, CONTACTS), errors=errors, jobs=jobs, total=total,
        page=page, per_page=JOBS_PER_PAGE, max_mb=imports.MAX_IMPORT_BYTES // (1024 * 1024),
    )  # fmt: skip
    return (html, 400) if errors else html


@bp.route("/import/<int:job_id>/mapping", methods=["GET", "POST"])
@role_required("administrator")
def import_mapping(job_id: int) -> str | Response | tuple[str, int]:
    try:
        job = imports.get_job(job_id, JOB_IMPORT)
    except NotFound:
        return not_found(_("There is no such import."))
    if job.state != UPLOADED:
        return redirect(url_for("crm_admin.import_job", job_id=job.id))
    preview = imports.import_preview(job.id)
    targets = imports.import_targets(job.params["kind"])
    mapping = dict(preview.suggested_mapping)
    on_duplicate = "skip"
    errors: dict[str, str] = {}
    if request.method == "POST":
        mapping = {target: request.form.get(f"map-{target}", "") for target, _label in targets}
        on_duplicate = request.form.get("on_duplicate", "skip")
        try:
            imports.start_import(current_user, job.id, mapping, on_duplicate)
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            return redirect(url_for("crm_admin.import_job", job_id=job.id))
    html = render_template(
        "crm_admin/import_mapping.html", job=job, preview=preview, targets=targets, mapping=mapping,
        on_duplicate=on_duplicate, errors=errors, required=imports.REQUIRED_TARGET[job.params["kind"]],
    )  # fmt: skip
    return (html, 400) if errors else html


@bp.route("/import/<int:job_id>")
@role_required("administrator")
def import_job(job_id: int) -> str | tuple[str, int]:
    try:
        job = imports.get_job(job_id, JOB_IMPORT)
    except NotFound:
        return not_found(_("There is no such import."))
    return render_template("crm_admin/import_job.html", job=job, failed_rows=imports.failed_rows(job))


@bp.route("/import/<int:job_id>/progress")
@role_required("administrator")
def import_progress(job_id: int) -> str | tuple[str, int]:
    try:
        job = imports.get_job(job_id, JOB_IMPORT)
    except NotFound:
        return not_found(_("There is no such import."))
    return render_template("crm_admin/_import_progress.html", job=job, failed_rows=imports.failed_rows(job))


@bp.route("/import/<int:job_id>/report.csv")
@role_required("administrator")
def import_report(job_id: int) -> FlaskResponse | tuple[str, int]:
    try:
        text = imports.import_report_csv(job_id)
    except NotFound:
        return not_found(_("There is no such import."))
    return FlaskResponse(
        "\ufeff" + text,  # a BOM so Excel opens the Cyrillic text as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="import-{job_id}-report.csv"'},
    )
