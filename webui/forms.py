"""WTForms of the foundation pages (auth and administration)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in"))


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=2, max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    department_id = SelectField(_l("Department"), coerce=int, validators=[Optional()])
    roles = SelectMultipleField(_l("Roles"), validators=[DataRequired()])
    groups = SelectMultipleField(_l("Groups"), validators=[Optional()])
    locale = SelectField(_l("Language"), choices=[("en", "English"), ("ru", "Русский")])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=8, max=200)])


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent_id = SelectField(_l("Parent department"), coerce=int, validators=[Optional()])
    head_id = SelectField(_l("Head"), coerce=int, validators=[Optional()])


class RoleForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=2, max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class GroupForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=2, max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=1000)])
    members = SelectMultipleField(_l("Members"), coerce=int, validators=[Optional()])
