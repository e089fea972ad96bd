"""Administration: users, departments, roles, groups, background jobs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from crm.accounts import services as accounts
from crm.accounts.errors import AccountError
from engine.heartbeat import recent_heartbeats
from engine.jobs import PERIODIC
from webui.authz import role_required
from webui.forms import DepartmentForm, GroupForm, RoleForm, UserForm
from webui.service_messages import localize
from webui.views.workplace_common import int_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 25


@bp.context_processor
def _section() -> dict[str, Any]:
    return {"active_section": "admin"}


def _attach_error(form: Any, exc: AccountError) -> None:
    """Put a service error next to its field, or on top of the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, localize(exc.message)]
    else:
        flash(localize(exc.message), "danger")


# --- users ---------------------------------------------------------------------------------------------


@bp.route("/users")
@role_required("administrator")
def users() -> str:
    page = int_arg("page", 1, minimum=1)
    query = request.args.get("q", "").strip()
    state = request.args.get("state", "active")
    role = request.args.get("role") or None
    active = {"active": True, "inactive": False}.get(state)
    rows, total = accounts.list_users(query=query, active=active, role=role, page=page, per_page=PER_PAGE)
    return render_template(
        "admin/users.html",
        users=rows,
        total=total,
        page=page,
        per_page=PER_PAGE,
        args={"q": query, "state": state, "role": role or ""},
        roles=accounts.list_roles(),
    )


def _user_form(user: Any = None) -> UserForm:
    form = UserForm(obj=user)
    form.department_id.choices = [(0, "—")] + [(d.id, d.name) for d in accounts.list_departments()]
    form.roles.choices = [(r.code, r.name) for r in accounts.list_roles()]
    form.groups.choices = [(g.code, g.name) for g in accounts.list_groups()]
    if user is not None and request.method == "GET":
        form.roles.data = [r.code for r in user.roles]
        form.groups.data = [g.code for g in user.groups]
        form.department_id.data = user.department_id or 0
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("administrator")
def user_new() -> str | Response:
    form = _user_form()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = [_("Set a password for the new user.")]
        else:
            try:
                user = accounts.create_user(
                    form.username.data or "",
                    form.full_name.data or "",
                    form.password.data,
                    roles=form.roles.data or [],
                    groups=form.groups.data or [],
                    email=form.email.data or "",
                    department_id=form.department_id.data or None,
                    locale=form.locale.data or "en",
                )
            except AccountError as exc:
                _attach_error(form, exc)
            else:
                flash(_("User %(name)s created.", name=user.full_name), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("administrator")
def user_edit(user_id: int) -> str | Response:
    try:
        user = accounts.get_user(user_id)
    except AccountError:
        return render_template(
            "errors/error.html", code=404, title=_("Not found"), message=_("There is no such user.")
        ), 404
    form = _user_form(user)
    form.username.render_kw = {"readonly": True}
    if form.validate_on_submit():
        try:
            accounts.update_user(
                user.id,
                full_name=form.full_name.data or "",
                email=form.email.data or "",
                department_id=form.department_id.data or None,
                roles=form.roles.data or [],
                groups=form.groups.data or [],
                locale=form.locale.data or "en",
                password=form.password.data,
            )
        except AccountError as exc:
            _attach_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, has_history=accounts.user_has_history(user)
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required("administrator")
def user_set_active(user_id: int) -> Response:
    active = request.form.get("active") == "1"
    try:
        user = accounts.set_active(user_id, active, by=current_user)
    except AccountError as exc:
        flash(localize(exc.message), "danger")
    else:
        flash(
            _("%(name)s is active again.", name=user.full_name)
            if active
            else _("%(name)s is deactivated.", name=user.full_name),
            "success",
        )
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/delete", methods=["POST"])
@role_required("administrator")
def user_delete(user_id: int) -> Response:
    try:
        accounts.delete_user(user_id)
    except AccountError as exc:
        flash(localize(exc.message), "danger")
        return redirect(url_for("admin.user_edit", user_id=user_id))
    flash(_("User deleted."), "success")
    return redirect(url_for("admin.users"))


# --- departments -----------------------------------------------------------------------------------------


def _department_form(dept: Any = None) -> DepartmentForm:
    form = DepartmentForm(obj=dept)
    form.parent_id.choices = [(0, "—")] + [
        (d.id, d.name) for d in accounts.list_departments() if dept is None or d.id != dept.id
    ]
    form.head_id.choices = [(0, "—")] + [
        (u.id, u.full_name) for u in accounts.list_users(active=True, per_page=1000)[0]
    ]
    if dept is not None and request.method == "GET":
        form.parent_id.data = dept.parent_id or 0
        form.head_id.data = dept.head_id or 0
    return form


@bp.route("/departments", methods=["GET", "POST"])
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@role_required("administrator")
def departments(department_id: int | None = None) -> str | Response:
    departments = accounts.list_departments()
    dept = next((d for d in departments if d.id == department_id), None) if department_id else None
    form = _department_form(dept)
    if form.validate_on_submit():
        try:
            accounts.save_department(
                form.name.data or "",
                department_id=department_id,
                parent_id=form.parent_id.data or None,
                head_id=form.head_id.data or None,
            )
        except AccountError as exc:
            _attach_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/departments.html", departments=departments, form=form, editing=dept)


# --- roles and groups --------------------------------------------------------------------------------------


@bp.route("/roles", methods=["GET", "POST"])
@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@role_required("administrator")
def roles(role_id: int | None = None) -> str | Response:
    roles = accounts.list_roles()
    role = next((r for r in roles if r.id == role_id), None) if role_id else None
    form = RoleForm(obj=role)
    if role is not None and role.builtin:
        form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        try:
            accounts.save_role(form.code.data or "", form.name.data or "", role_id=role_id)
        except AccountError as exc:
            _attach_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.roles"))
    counts = {r.id: accounts.members_count(role=r) for r in roles}
    return render_template("admin/roles.html", roles=roles, form=form, editing=role, counts=counts)


@bp.route("/groups", methods=["GET", "POST"])
@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@role_required("administrator")
def groups(group_id: int | None = None) -> str | Response:
    groups = accounts.list_groups()
    group = next((g for g in groups if g.id == group_id), None) if group_id else None
    form = GroupForm(obj=group)
    all_users = accounts.list_users(active=True, per_page=1000)[0]
    form.members.choices = [(u.id, f"{u.full_name} ({u.username})") for u in all_users]
    if group is not None and request.method == "GET":
        form.members.data = [u.id for u in all_users if group in u.groups]
    if form.validate_on_submit():
        try:
            saved = accounts.save_group(
                form.code.data or "",
                form.name.data or "",
                description=form.description.data or "",
                group_id=group_id,
            )
            accounts.set_group_members(saved.id, form.members.data or [])
        except AccountError as exc:
            _attach_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.groups"))
    counts = {g.id: accounts.members_count(group=g) for g in groups}
    return render_template("admin/groups.html", groups=groups, form=form, editing=group, counts=counts)


@bp.route("/system")
@role_required("administrator")
def system() -> str:
    return render_template(
        "admin/system.html", heartbeats=recent_heartbeats(), periodic=sorted(PERIODIC.items())
    )
