"""The ``routemap`` command: set-up, data, serving and background workers.

Every command builds the app through ``create_app``; a bad setting stops it with one clear line, never a trace.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from webui.settings import SettingsError

PROCESSES_DIR = Path(__file__).resolve().parent.parent / "processes"


def _create_app() -> Flask:
    from webui import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False)
def cli() -> None:
    """RouteMap CRM: a CRM whose work is driven by BPMN route maps."""


@cli.command("init")
@click.option("--no-processes", is_flag=True, help="Do not deploy the shipped route maps.")
@with_appcontext
def init_command(no_processes: bool) -> None:
    """Create or migrate the database and deploy the shipped route maps."""
    from flask_migrate import upgrade

    from engine.definitions import format_problems
    from engine.errors import InvalidRouteMap
    from webui import setup

    upgrade()
    click.echo("Database is at the latest schema.")
    try:
        for line in setup.initialise(deploy_processes=not no_processes, processes_dir=PROCESSES_DIR):
            click.echo(line)
    except InvalidRouteMap as exc:
        click.echo(format_problems(exc.problems), err=True)
        raise click.ClickException("a shipped route map did not deploy; see the problems above") from None


@cli.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load a believable small company (idempotent)."""
    from webui import setup
    from webui.jobs import run_jobs_inline

    run_jobs_inline(current_app)
    for line in setup.load_demo():
        click.echo(line)


@cli.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name shown in the UI.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    default=["employee"],
    show_default=True,
    type=click.Choice(["administrator", "designer", "manager", "employee"]),
)
@click.option("--email", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user_command(
    username: str, full_name: str, roles: tuple[str, ...], email: str, password: str
) -> None:
    """Create a user (asks for the password)."""
    from crm.accounts import services as accounts
    from crm.accounts.errors import AccountError

    accounts.ensure_builtin_roles()
    try:
        user = accounts.create_user(username, full_name, password, roles=roles, email=email)
    except AccountError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {user.username} ({', '.join(r.code for r in user.roles)}).")


@cli.command("deploy")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--comment", default="", help="Recorded with each new version.")
@with_appcontext
def deploy_command(paths: tuple[Path, ...], comment: str) -> None:
    """Validate and deploy route maps (.bpmn files or folders, with their .dmn and .json forms)."""
    from engine.definitions import deploy_path, format_problems
    from engine.errors import InvalidRouteMap

    try:
        results = deploy_path(paths, comment=comment)
    except InvalidRouteMap as exc:
        for result in exc.deployed:
            click.echo(_deployed_line(result))
        click.echo(format_problems(exc.problems), err=True)
        raise click.ClickException(
            f"{len(exc.problems)} problem(s); the files that have them were not deployed."
        ) from None
    for result in results:
        click.echo(_deployed_line(result))


def _deployed_line(result: Any) -> str:
    state = "deployed" if result.created else "unchanged"
    return f"{result.key} v{result.version} {state}"


@cli.command("processes")
@with_appcontext
def processes_command() -> None:
    """List deployed route maps and their versions."""
    from engine.definitions import list_definitions

    rows = list_definitions()
    if not rows:
        click.echo("No route maps are deployed. Run `routemap init` or `routemap deploy PATH`.")
        return
    width = max(len(r.key) for r in rows)
    for r in rows:
        click.echo(f"{r.key:<{width}}  v{r.latest_version:<4} {r.versions} version(s)  {r.name}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers", default=None, type=int, help="gunicorn workers (default: 1 without Redis, 2×CPU+1 with)."
)
@click.option("--threads", default=8, show_default=True, type=int)
def serve_command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the UI with gunicorn; without REDIS_URL, background jobs run in-process."""
    from gunicorn.app.base import BaseApplication

    probe = _create_app()
    in_process = not probe.config.get("REDIS_URL")
    if workers is None:
        workers = 1 if in_process else (os.cpu_count() or 1) * 2 + 1
    if in_process and workers != 1:
        raise click.ClickException("Without REDIS_URL the jobs run inside the server: use --workers 1.")

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 120)

        def load(self) -> Any:
            app = _create_app()
            if in_process:
                from webui.jobs import InProcessScheduler

                InProcessScheduler(app, tick=1.0).start()
            return app

    mode = "in-process background jobs" if in_process else "Celery workers via Redis"
    click.echo(f"RouteMap CRM on http://{host}:{port}/ ({mode})")
    Server().run()


@cli.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker_command(celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker (needs REDIS_URL)."""
    celery_app = _celery_or_fail()
    celery_app.worker_main(["worker", "--loglevel=INFO", *celery_args])


@cli.command("beat", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def beat_command(celery_args: tuple[str, ...]) -> None:
    """Run Celery beat, which sends the periodic jobs (needs REDIS_URL)."""
    celery_app = _celery_or_fail()
    celery_app.start(["beat", "--loglevel=INFO", *celery_args])


def _celery_or_fail() -> Any:
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL is not set. Set it (e.g. redis://127.0.0.1:6379/0) to run Celery workers, "
            "or run `routemap serve` alone, which then runs the jobs in-process."
        )
    return current_app.extensions["celery"]


def main() -> None:
    try:
        cli.main(prog_name="routemap")
    except SettingsError as exc:
        click.echo(f"routemap: configuration error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
