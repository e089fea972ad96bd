"""Clients workplace: the access-filtered client list, the new-client form with duplicate control, and the
client card (portrait, status with its "?" explanation, quality drill-down, contacts, interests, tickets,
relationships, and the Feed with quick actions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.clients.contacts import list_contacts
from crm.clients.portrait import portrait_attributes_for
from crm.clients.relations import relations_of
from crm.clients.services import create_client, get_client
from crm.deals.services import list_interests
from crm.errors import DuplicateFound, ValidationFailed
from crm.quality.services import explain_quality
from crm.statuses.models import WORK_STATUSES
from crm.statuses.services import explain_status, recalculate_status, status_of
from crm.support.services import list_tickets
from crm.workplaces_clients import (
    QUALITY_FILTERS,
    ClientFilters,
    client_list_page,
    responsible_choices,
    segment_choices,
)
from webui.authz import role_required
from webui.service_messages import localize
from webui.views.feed import crm_errors_as_http, load_feed
from webui.views.workplace_common import parse_id

bp = Blueprint("clients", __name__, url_prefix="/clients")

PER_PAGE = 50
BIRTHDAY_SOON_DAYS = 14


class ClientForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[("company", _l("Company")), ("person", _l("Person"))])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    legal_name = StringField(_l("Legal name"), validators=[Optional(), Length(max=500)])
    inn = StringField(_l("INN"), validators=[Optional(), Length(max=12)])
    kpp = StringField(_l("KPP"), validators=[Optional(), Length(max=9)])
    phones = StringField(_l("Phones"), validators=[Optional(), Length(max=1000)])
    emails = StringField(_l("E-mails"), validators=[Optional(), Length(max=1000)])
    segment_id = SelectField(_l("Segment"), coerce=int, validators=[Optional()])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    legal_address = StringField(_l("Legal address"), validators=[Optional(), Length(max=1000)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10_000)])
    allow_duplicate = BooleanField(_l("Create anyway"))


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "main", "WORK_STATUSES": WORK_STATUSES}


def _int_arg(name: str) -> int | None:
    """A positive id or page number from the query string; anything else (``²``, huge numbers) is None."""
    return parse_id(request.args.get(name))


@bp.route("")
@role_required("employee", "manager")
@crm_errors_as_http
def index() -> str:
    page = max(_int_arg("page") or 1, 1)
    status = request.args.get("status") or None
    quality = request.args.get("quality") or None
    filters = ClientFilters(
        search=request.args.get("q", ""),
        status=status if status in WORK_STATUSES else None,
        segment_id=_int_arg("segment"),
        responsible_id=_int_arg("responsible"),
        quality=quality if quality in QUALITY_FILTERS else None,
    )
    result = client_list_page(current_user, filters, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "clients/index.html", result=result, filters=filters, page=page, per_page=PER_PAGE, args=args,
        segments=segment_choices(), responsibles=responsible_choices(current_user),
    )  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def new() -> Any:
    form = ClientForm()
    form.segment_id.choices = [(0, "—"), *segment_choices()]
    candidates = []
    if form.validate_on_submit():
        data = {
            "kind": form.kind.data, "name": form.name.data, "legal_name": form.legal_name.data or "",
            "inn": form.inn.data or "", "kpp": form.kpp.data or "", "phones": form.phones.data or "",
            "emails": form.emails.data or "", "segment_id": form.segment_id.data or None,
            "website": form.website.data or "", "legal_address": form.legal_address.data or "",
            "description": form.description.data or "",
        }  # fmt: skip
        try:
            client = create_client(current_user, data, allow_duplicate=bool(form.allow_duplicate.data))
        except DuplicateFound as exc:
            candidates = exc.candidates
        except ValidationFailed as exc:
            for name, message in exc.field_errors.items():
                target = getattr(form, name, None) or form.name
                target.errors = [*list(target.errors), localize(message)]
        else:
            return redirect(url_for("clients.card", client_id=client.id), 303)
    status = 422 if form.errors or candidates else 200
    return render_template("clients/new.html", form=form, candidates=candidates), status


@bp.route("/<int:client_id>")
@role_required("employee", "manager")
@crm_errors_as_http
def card(client_id: int) -> Any:
    client = get_client(current_user, client_id)
    if client.id != client_id:  # merged card: show the one it lives on as
        return redirect(url_for("clients.card", client_id=client.id))
    contacts = list_contacts(current_user, client.id)
    interests, interests_total = list_interests(current_user, client_id=client.id, limit=20)
    tickets, tickets_total = list_tickets(current_user, client_id=client.id, limit=20)
    return render_template(
        "clients/card.html",
        client=client,
        work_status=status_of(client.id),  # the badge only: the "?" explains it on demand
        quality=explain_quality(client.id, actor=current_user),
        portrait=_portrait_rows(client),
        contacts=contacts,
        birthdays_soon={c.id for c in contacts if _birthday_soon(c.birthday)},
        interests=interests,
        interests_total=interests_total,
        tickets=tickets,
        tickets_total=tickets_total,
        relations=relations_of(current_user, client.id),
        feed_page=load_feed("client", client.id),
    )


@bp.route("/<int:client_id>/status")
@role_required("employee", "manager")
@crm_errors_as_http
def status_help(client_id: int) -> str:
    """The "?" of the status badge: which rule gave the status, every rule's check, and "Recalculate"."""
    explanation = explain_status(client_id, actor=current_user)
    return render_template("clients/_status_help.html", client_id=client_id, status=explanation)


@bp.route("/<int:client_id>/status/recalculate", methods=["POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def recalculate(client_id: int) -> str:
    explanation = recalculate_status(current_user, client_id)
    return render_template(
        "clients/_status_block.html",
        client_id=client_id,
        work_status=WORK_STATUSES[explanation.stored_status],
        recalculated=True,
    )


@bp.route("/<int:client_id>/quality")
@role_required("employee", "manager")
@crm_errors_as_http
def quality_help(client_id: int) -> str:
    """The quality drill-down: each item with its weight and whether it is filled, or the setup needed."""
    return render_template(
        "clients/_quality_help.html", quality=explain_quality(client_id, actor=current_user)
    )


def _portrait_rows(client: Any) -> list[tuple[str, Any]]:
    values = client.portrait or {}
    return [(a.label, values.get(a.code)) for a in portrait_attributes_for(client.kind)]


def _birthday_soon(birthday: date | None, today: date | None = None) -> bool:
    if birthday is None:
        return False
    today = today or date.today()
    for year in (today.year, today.year + 1):
        try:
            next_day = birthday.replace(year=year)
        except ValueError:  # 29 February in a common year
            next_day = date(year, 3, 1)
        if 0 <= (next_day - today).days <= BIRTHDAY_SOON_DAYS:
            return True
    return False
