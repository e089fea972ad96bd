"""Registers every blueprint, template helper and model (one place, so nothing is missed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, request
from flask_babel import format_datetime, get_locale
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from webui.extensions import login_manager
from webui.navigation import sections_for

# The largest id a route accepts: PostgreSQL ``integer`` keys end here, and a bigger number reaching SQLite
# raises OverflowError (a 500) instead of finding nothing.
MAX_ROUTE_ID = 2**31 - 1


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` in every route: a non-negative whole number a primary key can hold, else 404."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROUTE_ID)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RecordIdConverter  # before any route is added
    import crm.models  # noqa: F401  - all tables known to metadata and Alembic
    import engine.models  # noqa: F401
    from crm.operations import register_crm_operations
    from crm.process_operations import register_process_operations

    register_crm_operations()  # the operations BPMN service tasks call (crm/..., feed/post)
    register_process_operations()  # the shipped route maps' own (notify/in_app, support/..., triggers/...)
    from webui import errors
    from webui.views import (  # noqa: F401  - routes on main.bp
        admin,
        auth,
        cards,
        main,
        monitoring,
        processes,
        sales,
        support_queue,
        task_page,
        tasks,
        work_calendar,
    )

    app.register_blueprint(auth.bp)
    __import__("webui.views.mail", fromlist=["register"]).register(app)  # /mail: before main's placeholder
    app.register_blueprint(main.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(monitoring.bp)
    app.register_blueprint(work_calendar.bp)
    app.register_blueprint(__import__("webui.views.triggers_admin", fromlist=["bp"]).bp)  # trigger library
    app.register_blueprint(__import__("webui.views.crm_admin", fromlist=["bp"]).bp)  # client base settings
    app.register_blueprint(__import__("webui.views.notifications", fromlist=["bp"]).bp)  # bell + page
    from webui.views import clients, desktop, feed, feed_actions, wizard

    for blueprint in (feed.bp, feed_actions.bp, clients.bp, wizard.bp, desktop.bp):
        app.register_blueprint(blueprint)
    from webui.views import client_edit, client_links, leads  # editing the client base, potential clients

    for blueprint in (client_edit.bp, client_links.bp, leads.bp):
        app.register_blueprint(blueprint)
    __import__("webui.api", fromlist=["register"]).register(app)  # JSON API /api/v1, /api/docs, token page
    errors.init_app(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        from sqlalchemy.orm import joinedload

        from crm.accounts.models import User
        from engine.db import db

        # Roles (every access check) and groups (lanes: the task badge) come with the user in one query.
        eager = [joinedload(User.roles), joinedload(User.groups)]
        user = db.session.get(User, int(user_id), options=eager) if user_id.isdigit() else None
        return user if user is not None and user.is_active else None

    @app.context_processor
    def layout_context() -> dict[str, Any]:
        return {
            "nav_sections": sections_for(current_user),
            "current_locale": str(get_locale() or "en"),
            "active_section": None,
        }

    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None, fmt: str = "short") -> str:
        if value is None:
            return ""
        tz = getattr(current_user, "timezone", None) or app.config["DEFAULT_TIMEZONE"]
        if value.tzinfo is None:  # stored instants are UTC; astimezone() would take the server's own zone
            value = value.replace(tzinfo=UTC)
        return format_datetime(value.astimezone(ZoneInfo(tz)).replace(tzinfo=None), fmt)

    @app.after_request
    def security_headers(resp: Any) -> Any:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/login"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp
