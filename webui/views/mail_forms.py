"""WTForms of the mail pages, and how a service's ``ValidationFailed`` lands next to their fields."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.errors import ValidationFailed
from webui.service_messages import localize

SECURITY_CHOICES = [("ssl", "SSL/TLS"), ("starttls", "STARTTLS"), ("none", _l("None (plain)"))]
FONT_FAMILIES = ("Arial", "Calibri", "Georgia", "Tahoma", "Times New Roman", "Verdana", "Courier New")
FONT_SIZES = ("8pt", "9pt", "10pt", "11pt", "12pt", "14pt", "16pt", "18pt", "24pt")


def attach_errors(form: FlaskForm, exc: ValidationFailed, aliases: dict[str, str] | None = None) -> list[str]:
    """Put each field error of ``exc`` next to its form field; return the ones no field shows."""
    loose: list[str] = []
    for name, message in exc.field_errors.items():
        target = getattr(form, (aliases or {}).get(name, name), None)
        if target is None or not hasattr(target, "errors"):
            loose.append(localize(message))
            continue
        target.errors = [*list(target.errors or []), localize(message)]
    return loose


class AccountForm(FlaskForm):
    name = StringField(
        _l("Name (the sender name when a user has none)"), validators=[Optional(), Length(max=200)]
    )
    email_address = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    kind = SelectField(_l("Kind"), choices=[("shared", _l("Shared")), ("personal", _l("Personal"))])
    owner_id = SelectField(_l("Owner (personal account)"), coerce=int, validators=[Optional()])
    is_active = BooleanField(_l("Switched on"), default=True)
    imap_host = StringField(_l("IMAP server"), validators=[Optional(), Length(max=255)])
    imap_port = IntegerField(_l("IMAP port"), validators=[Optional(), NumberRange(1, 65535)])
    imap_security = SelectField(_l("IMAP security"), choices=SECURITY_CHOICES)
    imap_username = StringField(_l("IMAP user name"), validators=[Optional(), Length(max=254)])
    imap_password = PasswordField(_l("IMAP password"), validators=[Optional(), Length(max=500)])
    smtp_host = StringField(_l("SMTP server"), validators=[Optional(), Length(max=255)])
    smtp_port = IntegerField(_l("SMTP port"), validators=[Optional(), NumberRange(1, 65535)])
    smtp_security = SelectField(_l("SMTP security"), choices=SECURITY_CHOICES)
    smtp_username = StringField(_l("SMTP user name"), validators=[Optional(), Length(max=254)])
    smtp_password = PasswordField(_l("SMTP password"), validators=[Optional(), Length(max=500)])
    max_attachments_mb = IntegerField(
        _l("Attachments of one letter, at most (MB)"),
        default=20,
        validators=[Optional(), NumberRange(1, 2048)],
    )
    poll_interval_seconds = IntegerField(
        _l("Check for new letters every (seconds)"),
        default=60,
        validators=[Optional(), NumberRange(30, 86400)],
    )
    default_signature_id = SelectField(_l("Default signature"), coerce=int, validators=[Optional()])
    lead_department_id = SelectField(_l("Department of new leads"), coerce=int, validators=[Optional()])
    members = SelectMultipleField(
        _l("Members (write from this account)"), coerce=int, validators=[Optional()]
    )
    autoreply_enabled = BooleanField(_l("Auto-responder on"))
    autoreply_from = DateTimeLocalField(_l("Answer from"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    autoreply_until = DateTimeLocalField(_l("Answer until"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    autoreply_subject = StringField(_l("Reply subject"), validators=[Optional(), Length(max=300)])
    autoreply_body = TextAreaField(_l("Reply text"), validators=[Optional(), Length(max=20_000)])
    autoreply_interval_days = IntegerField(
        _l("Answer one sender at most once in (days)"),
        default=3,
        validators=[Optional(), NumberRange(1, 365)],
    )


class RuleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    account_id = SelectField(_l("Account"), coerce=int, validators=[Optional()])
    is_active = BooleanField(_l("Switched on"), default=True)
    match_all = SelectField(
        _l("Conditions"), choices=[("1", _l("All must hold")), ("0", _l("Any one is enough"))], default="1"
    )
    stop_processing = BooleanField(_l("Stop here: no later rule applies"))


class SignatureForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    body_html = TextAreaField(_l("Text"), validators=[Optional(), Length(max=20_000)])
    is_active = BooleanField(_l("Switched on"), default=True)


class FontForm(FlaskForm):
    font_family = StringField(_l("Font"), validators=[Optional(), Length(max=100)])
    font_size = StringField(_l("Size"), validators=[Optional(), Length(max=16)])


class ComposeForm(FlaskForm):
    account_id = SelectField(_l("Sender"), coerce=int)
    to = StringField(_l("Recipients"), validators=[Optional(), Length(max=10_000)])
    cc = StringField(_l("Cc"), validators=[Optional(), Length(max=10_000)])
    bcc = StringField(_l("Bcc"), validators=[Optional(), Length(max=10_000)])
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=998)])
    html = TextAreaField(_l("Text"), validators=[Optional(), Length(max=2_000_000)])
    font_family = HiddenField()
    font_size = HiddenField()
    signature_id = SelectField(_l("Signature"), coerce=int, validators=[Optional()])
    attachments = MultipleFileField(_l("Files"))
    include_linked_files = BooleanField(_l("Add files from the linked interests and appeals"))
    reply_to_letter_id = HiddenField()
    forward_of_letter_id = HiddenField()
    draft_id = HiddenField()
    client_id = HiddenField()
    interest_id = HiddenField()
    ticket_id = HiddenField()


def form_data(form: FlaskForm, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields' data as a dict (None for empty text)."""
    return {name: getattr(form, name).data for name in names}
