"""The user's own API tokens: create one (its value is shown once), see when each was last used, revoke."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from crm.api_tokens import NAME_MAX_LENGTH, issue_token, list_tokens, revoke_token
from crm.errors import AccessDenied, NotFound, ValidationFailed
from webui.service_messages import localize

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=NAME_MAX_LENGTH)])


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking is a POST."""


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Any:
    form = TokenForm()
    new_token = None
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                new_token, _row = issue_token(current_user, form.name.data or "")
            except ValidationFailed as exc:
                form.name.errors = [*list(form.name.errors), localize(exc.field_errors.get("name", str(exc)))]
            else:
                form = TokenForm(formdata=None)
        if new_token is None:
            status = 422
    return (
        render_template(
            "account/api_tokens.html",
            form=form,
            revoke_form=RevokeForm(),
            tokens=list_tokens(current_user),
            new_token=new_token,
        ),
        status,
    )


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> Response:
    if RevokeForm().validate_on_submit():
        try:
            row = revoke_token(current_user, token_id)
        except (NotFound, AccessDenied):
            flash(_("There is no such token among yours."), "danger")
        else:
            flash(_("The token “%(name)s” is revoked.", name=row.name), "success")
    return redirect(url_for("api_tokens.index"), 303)
