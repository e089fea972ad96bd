"""Quick actions above a Feed (SPEC #3, #18): note, letter, task, interaction, start a process.

Each form posts with htmx; the answer is the refreshed quick-action panel and, out of band, the refreshed Feed,
so the new entry shows at once without reloading the card. Invalid input comes back with the errors next to
the fields. Cards include ``feed/_quick_actions.html`` with ``feed_owner`` and ``feed_owner_id`` set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.activities.notes import add_note
from crm.activities.services import add_interaction
from crm.clients.contacts import get_contact
from crm.deals.services import create_interest
from crm.errors import ValidationFailed
from webui.authz import role_required
from webui.service_messages import localize
from webui.views.feed import OWNERS, crm_errors_as_http, load_feed

bp = Blueprint("feed_actions", __name__, url_prefix="/feed")

ACTIONS = ("note", "letter", "task", "interaction", "process")
# Starting a sale makes sense where a new interest can belong: a client, its contact, a potential client.
PROCESS_OWNERS = ("client", "contact", "lead")


def _kind_choices() -> list[tuple[str, Any]]:
    return [
        ("call", _l("Call")),
        ("meeting", _l("Meeting")),
        ("letter", _l("Letter")),
        ("message", _l("Message")),
    ]


class NoteForm(FlaskForm):
    body_html = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=100_000)])


class LetterForm(FlaskForm):
    to = StringField(_l("Recipients"), validators=[Optional(), Length(max=2000)])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=100_000)])


class TaskForm(FlaskForm):
    kind = SelectField(_l("What to do"), choices=_kind_choices)
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    planned_at = DateTimeLocalField(_l("When"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    description = TextAreaField(_l("Details"), validators=[Optional(), Length(max=10_000)])


class InteractionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=_kind_choices)
    direction = SelectField(
        _l("Direction"), choices=[("outgoing", _l("Outgoing")), ("incoming", _l("Incoming"))]
    )
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Details"), validators=[Optional(), Length(max=10_000)])
    result = TextAreaField(_l("Result"), validators=[Optional(), Length(max=10_000)])


class ProcessForm(FlaskForm):
    title = StringField(_l("Interest"), validators=[DataRequired(), Length(max=300)])
    amount = DecimalField(_l("Amount"), places=2, validators=[Optional(), NumberRange(min=0)])


FORMS: dict[str, type[FlaskForm]] = {
    "note": NoteForm, "letter": LetterForm, "task": TaskForm, "interaction": InteractionForm,
    "process": ProcessForm,
}  # fmt: skip


def blank_forms() -> dict[str, FlaskForm]:
    """Empty forms for every quick action (one prefix each, so ids stay unique on the card)."""
    return {name: form_class(prefix=f"qa-{name}", formdata=None) for name, form_class in FORMS.items()}


@bp.app_context_processor
def _quick_action_helpers() -> dict[str, Any]:
    return {"blank_quick_action_forms": blank_forms}


@bp.route("/<owner>/<int:owner_id>/actions/<action>", methods=["POST"])
@role_required("employee", "manager")
@crm_errors_as_http
def perform(owner: str, owner_id: int, action: str) -> str:
    if owner not in OWNERS or action not in ACTIONS or (action == "process" and owner not in PROCESS_OWNERS):
        abort(404)
    forms = blank_forms()
    form = FORMS[action](prefix=f"qa-{action}")
    forms[action] = form
    message = None
    if form.validate():
        try:
            message = _perform(action, owner, owner_id, form)
        except ValidationFailed as exc:
            _errors_to_form(form, exc.field_errors)
        else:
            forms[action] = FORMS[action](prefix=f"qa-{action}", formdata=None)
    panel = render_template(
        "feed/_quick_actions.html", feed_owner=owner, feed_owner_id=owner_id, qa_forms=forms,
        qa_active=action, qa_message=message,
    )  # fmt: skip
    if message is None:
        return panel
    feed = render_template(
        "feed/_feed.html", feed_page=load_feed(owner, owner_id), feed_owner=owner, feed_owner_id=owner_id,
        feed_kind="", feed_oob=True,
    )  # fmt: skip
    return panel + feed


def _perform(action: str, owner: str, owner_id: int, form: Any) -> str:
    links: dict[str, Any] = {f"{owner}_id": owner_id}
    if action == "note":
        add_note(current_user, {**links, "body_html": form.body_html.data})
        return _("The note is in the Feed.")
    if action == "letter":
        return _send_letter(owner, owner_id, form, links)
    if action == "task":
        add_interaction(
            current_user,
            {**links, "kind": form.kind.data, "direction": "outgoing", "status": "planned",
             "subject": form.subject.data, "description": form.description.data or "",
             "planned_at": _in_user_zone(form.planned_at.data)},
        )  # fmt: skip
        return _("The task is planned and shown in the Feed.")
    if action == "interaction":
        add_interaction(
            current_user,
            {**links, "kind": form.kind.data, "direction": form.direction.data, "subject": form.subject.data,
             "description": form.description.data or "", "result": form.result.data or ""},
        )  # fmt: skip
        return _("The interaction is in the Feed.")
    return _start_sale(owner, owner_id, form)


def _send_letter(owner: str, owner_id: int, form: Any, links: dict[str, Any]) -> str:
    """Send through the writer's mail account; without one, record the letter in the Feed as before."""
    from crm.mail.quick_letter import send_quick_letter

    letter = send_quick_letter(
        current_user,
        owner,
        owner_id,
        subject=form.subject.data,
        text=form.body.data or "",
        to=form.to.data or "",
    )
    if letter is not None:
        return _("The letter is queued for sending and shown in the Feed.")
    add_interaction(
        current_user,
        {**links, "kind": "letter", "direction": "outgoing", "subject": form.subject.data,
         "description": form.body.data or ""},
    )  # fmt: skip
    return _("You have no mail account, so the letter is only recorded in the Feed.")


def _start_sale(owner: str, owner_id: int, form: Any) -> str:
    from crm.processes import start_interest_process

    owner_links: dict[str, Any] = {f"{owner}_id": owner_id}
    if owner == "contact":
        owner_links["client_id"] = get_contact(current_user, owner_id).client_id
    data = {**owner_links, "title": form.title.data, "source": "card"}
    if form.amount.data is not None:
        data["amount"] = form.amount.data
    interest = create_interest(current_user, data)
    start_interest_process(current_user, interest.id)
    return _("The interest is created and its sale process started.")


def _in_user_zone(moment: datetime) -> datetime:
    zone = getattr(current_user, "timezone", None) or current_app.config["DEFAULT_TIMEZONE"]
    return moment.replace(tzinfo=ZoneInfo(zone))


def _errors_to_form(form: Any, field_errors: dict[str, str]) -> None:
    """Service errors next to the matching fields (the rest on the first field)."""
    fallback = next(field for field in form if field.type != "CSRFTokenField")
    for name, message in field_errors.items():
        field = getattr(form, name, None)
        target = field if field is not None and hasattr(field, "errors") else fallback
        target.errors = [*list(target.errors), localize(message)]
