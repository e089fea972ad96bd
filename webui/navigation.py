"""The navigation: which sections each role sees (one table, used by the layout and tested)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str


@dataclass(frozen=True)
class NavSection:
    key: str
    label: object
    roles: tuple[str, ...]  # any of these; administrators see everything
    items: tuple[NavItem, ...]


class MailLabel:
    """The label of the Mail item: "Mail" and the reader's unread letters (counted only when drawn)."""

    def __str__(self) -> str:
        return str(_l("Mail"))

    def __html__(self) -> str:
        from webui.views.mail import nav_unread_count

        count = nav_unread_count()
        badge = Markup(
            ' <span class="badge rounded-pill text-bg-primary" data-testid="nav-mail-count">{}</span>'
        )
        return str(escape(str(self)) + (badge.format(count) if count else ""))


SECTIONS: tuple[NavSection, ...] = (
    NavSection(
        "main",
        _l("Main"),
        ("employee", "manager"),
        (
            NavItem("desktop.index", _l("Desktop"), "bi-grid"),
            NavItem("wizard.index", _l("Appeal wizard"), "bi-telephone-inbound"),
            NavItem("main.my_tasks", _l("My tasks"), "bi-check2-square"),
            NavItem("main.my_sales", _l("My sales"), "bi-graph-up-arrow"),
            NavItem("main.support", _l("Support"), "bi-life-preserver"),
            NavItem("clients.index", _l("Clients"), "bi-people"),
            NavItem("leads.index", _l("Potential clients"), "bi-person-plus"),
            NavItem("mail.index", MailLabel(), "bi-envelope"),
        ),
    ),
    NavSection(
        "processes",
        _l("Processes"),
        ("designer",),
        (NavItem("processes.index", _l("Route maps"), "bi-diagram-3"),),
    ),
    NavSection(
        "monitoring",
        _l("Monitoring"),
        ("manager",),
        (NavItem("monitoring.index", _l("Process efficiency and SLA"), "bi-speedometer2"),),
    ),
    NavSection(
        "admin",
        _l("Administration"),
        ("administrator",),
        (
            NavItem("admin.users", _l("Users"), "bi-person-gear"),
            NavItem("admin.departments", _l("Departments"), "bi-building"),
            NavItem("admin.roles", _l("Roles"), "bi-shield-lock"),
            NavItem("admin.groups", _l("Groups"), "bi-collection"),
            NavItem("work_calendar.edit", _l("Work calendar"), "bi-calendar-week"),
            NavItem("triggers_admin.index", _l("Triggers"), "bi-lightning-charge"),
            NavItem("crm_admin.portrait", _l("Client base settings"), "bi-person-vcard"),
            NavItem("crm_admin.statuses", _l("Client work statuses"), "bi-flag"),
            NavItem("crm_admin.import_upload", _l("Import clients"), "bi-upload"),
            NavItem("mail_admin.accounts", _l("Mail accounts"), "bi-envelope-at"),
            NavItem("mail_admin.rules", _l("Mail sorting rules"), "bi-funnel"),
            NavItem("admin.system", _l("Background jobs"), "bi-cpu"),
        ),
    ),
)


def sections_for(user: object) -> list[NavSection]:
    """Sections visible to ``user`` (none for an anonymous visitor)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [s for s in SECTIONS if user.has_role(*s.roles)]  # type: ignore[attr-defined]


def home_endpoint(user: object) -> str:
    """Where a user lands after log-in: the first item of their first section."""
    sections = sections_for(user)
    return sections[0].items[0].endpoint if sections else "main.no_access"
