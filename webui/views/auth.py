"""Log-in, log-out and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from crm.accounts import services as accounts
from crm.accounts.errors import LoginFailed, LoginRateLimited
from webui.forms import LoginForm
from webui.i18n import LANGUAGES
from webui.navigation import home_endpoint
from webui.safe_urls import local_target

bp = Blueprint("auth", __name__)

# Shown on the log-in page in demo mode only (`make run` sets ROUTEMAP_DEMO=1); loaded by `routemap demo-data`
# from crm.demo.demo_data.USERS, where each demo user's password is their user name.
DEMO_ACCOUNTS = (
    ("admin", "admin", "Administrator"),
    ("designer", "designer", "Process designer"),
    ("manager", "manager", "Sales manager"),
    ("manager2", "manager2", "Sales manager (key accounts)"),
    ("agent", "agent", "Support agent"),
)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after log-in."""
    return local_target(target)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                form.username.data or "",
                form.password.data or "",
                remote_addr=request.remote_addr or "unknown",
                max_attempts=current_app.config["LOGIN_MAX_ATTEMPTS"],
                window_seconds=current_app.config["LOGIN_WINDOW_SECONDS"],
            )
        except LoginRateLimited as exc:
            error = _(
                "Too many failed log-ins. Try again in %(minutes)s min.",
                minutes=exc.retry_after_seconds // 60 + 1,
            )
            status = 429
        except LoginFailed:
            error = _("Wrong user name or password.")
            status = 401
        else:
            session.pop("locale", None)
            login_user(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
    elif request.method == "POST":
        status = 400
    demo = DEMO_ACCOUNTS if current_app.config.get("DEMO_MODE") else ()
    return render_template("auth/login.html", form=form, error=error, demo_accounts=demo), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str) -> Response:
    if code in LANGUAGES:
        session["locale"] = code
        if current_user.is_authenticated:
            accounts.set_locale(current_user.id, code)
    return redirect(_safe_next(request.form.get("next")) or url_for("main.home"))
