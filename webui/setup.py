"""What `routemap init` and `routemap demo-data` do, as functions the tests call too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from crm.accounts import services as accounts


def initialise(*, deploy_processes: bool, processes_dir: Path) -> Iterator[str]:
    """Built-in roles and the shipped route maps; returns lines to print."""
    from crm.deals.services import ensure_default_stages
    from crm.quality.rules import load_quality_template
    from crm.statuses.rules import install_default_status_rules
    from engine.calendar_service import get_default_calendar

    accounts.ensure_builtin_roles()
    ensure_default_stages()
    install_default_status_rules(replace=False)
    load_quality_template(None, "recommended", replace=False)
    get_default_calendar()
    yield "Built-in roles, interest stages, work-status and quality rules and the work calendar are in place."
    if deploy_processes:
        yield from deploy_shipped(processes_dir)


def deploy_shipped(processes_dir: Path) -> Iterator[str]:
    from engine.definitions import deploy_path

    if not any(processes_dir.glob("*.bpmn")):
        yield f"No route maps in {processes_dir}."
        return
    for result in deploy_path([processes_dir]):
        yield f"Deployed {result.definition.key} v{result.definition.version}" + (
            "" if result.created else " (unchanged)"
        )


def load_demo() -> Iterator[str]:
    """The demo company: users for each role, clients, contacts, leads, deals, appeals and activities."""
    from crm.demo.demo_data import load_demo_data
    from crm.demo.demo_processes import start_demo_processes
    from crm.processes import ensure_process_groups

    summary = load_demo_data()
    ensure_process_groups()  # the `sales` and `support` lanes of the shipped route maps
    if summary.created:
        yield f"Demo company loaded: {summary.users} users, {summary.clients} clients."
    else:
        yield "Demo data is already loaded."
    started = start_demo_processes()
    if started.interests or started.tickets:
        yield (
            f"Route maps started: {started.interests} sales, {started.tickets} appeals "
            f"({started.steps_completed} steps completed as examples)."
        )
    letters = _load_demo_mail()
    if letters:
        yield f"Demo mailbox loaded: {letters} letters (no mail server; add one under Administration -> Mail)."


def _load_demo_mail() -> int:
    """The demo has no mail server: its letters are read from an in-memory mailbox (the one place that
    picks a concrete connector for the demo)."""
    from connectors.mail.fakes import InMemoryMailbox
    from crm.demo.demo_mail import FOLDERS, load_demo_mail

    mailbox = InMemoryMailbox(folders=())
    for name, role in FOLDERS:
        mailbox.add_folder(name, role)
    return load_demo_mail(mailbox)
