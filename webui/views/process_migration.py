"""Migrating running instances of an older route-map version to the newest one (designers only).

``GET  /processes/<key>/versions/<v>/migrate``          the version's running instances, paged, each with
                                                          whether it can move and, if not, why;
``GET  /processes/<key>/versions/<v>/migrate/confirm``  the confirmation step: one instance (``?instance=``)
                                                          or every safe one;
``POST /processes/<key>/versions/<v>/migrate``          does it (CSRF-protected): each instance in its own
                                                          transaction, then a per-instance result list.

The target is always the newest version; the form carries the version that was confirmed, so a version
deployed in between is never migrated to unseen.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.definition_model import ProcessDefinition
from engine.definitions import find_definition, latest_definition
from engine.instance_queries import count_running_instances
from engine.migration import FAILED, MIGRATED, REFUSED, migrate_instances, migrate_version
from webui.authz import role_required
from webui.route_map_diff import diff_route_maps
from webui.route_map_pages import MIGRATION_PAGE_SIZE, migration_candidates
from webui.views.workplace_common import int_arg

migration_bp = Blueprint("migration", __name__)


@migration_bp.app_template_filter("migration_reason")
def migration_reason(reason: str) -> str:
    """The reason a migration is unsafe, in the user's language (``engine.migration.MigrationReason``);
    other texts (an engine error of a failed instance) are shown as they are."""
    code, params = getattr(reason, "code", None), getattr(reason, "params", {})
    if code == "current_step_removed":
        return _("%(step)s is where the instance is now, and the new version removed it", **params)
    if code == "history_step_removed":
        return _("%(step)s is in the instance's recent history, and the new version removed it", **params)
    if code == "subprocess_removed":
        return _("Subprocess %(subprocess)s is running, and the new version has no such process", **params)
    if code == "foreign_target":
        return _("The target is not a version of this instance's route map")
    if code == "same_version":
        return _("The instance already runs on that version")
    if code == "not_live":
        return _("The instance is %(status)s", **params)
    return str(reason)


# Instances one "migrate all safe ones" request handles; the result page offers to go on with the rest.
BATCH_SIZE = 200


def _versions(key: str, version: int) -> tuple[ProcessDefinition, ProcessDefinition]:
    """(the old version, the newest version); 404 when either is missing or they are the same."""
    source = find_definition(key, version)
    target = latest_definition(key)
    if source is None or target is None or target.version <= source.version:
        abort(404)
    return source, target


@migration_bp.get("/<key>/versions/<int:version>/migrate")
@role_required("designer")
def candidates(key: str, version: int) -> str:
    source, target = _versions(key, version)
    listing = migration_candidates(source, target, int_arg("page", 1, minimum=1))
    return render_template(
        "processes/migrate.html",
        key=key,
        source=source,
        target=target,
        listing=listing,
        page_size=MIGRATION_PAGE_SIZE,
    )


@migration_bp.get("/<key>/versions/<int:version>/migrate/confirm")
@role_required("designer")
def confirm(key: str, version: int) -> str:
    source, target = _versions(key, version)
    instance_id = request.args.get("instance", type=int)
    return render_template(
        "processes/migrate_confirm.html",
        key=key,
        source=source,
        target=target,
        instance_id=instance_id,
        running=count_running_instances(source.id),
        after_id=request.args.get("after", type=int),
        diff=diff_route_maps(source.bpmn_xml, target.bpmn_xml, source.forms, target.forms),
    )


@migration_bp.post("/<key>/versions/<int:version>/migrate")
@role_required("designer")
def migrate(key: str, version: int) -> Any:
    source, target = _versions(key, version)
    back = url_for("processes.migration.candidates", key=key, version=version)
    if request.form.get("to_version", type=int) != target.version:
        flash(
            _(
                "Version %(latest)s was deployed meanwhile; check the instances against it and confirm again.",
                latest=target.version,
            ),
            "warning",
        )
        return redirect(back, 303)
    instance_id = request.form.get("instance_id", type=int)
    last_id, more = None, False
    if instance_id is not None:
        outcomes = migrate_instances([instance_id], to_definition_id=target.id, user_id=current_user.id)
    else:
        batch = migrate_version(
            source.id,
            to_definition_id=target.id,
            user_id=current_user.id,
            after_id=request.form.get("after_id", type=int),
            limit=BATCH_SIZE,
        )
        outcomes, last_id, more = batch.outcomes, batch.last_id, batch.more
    return render_template(
        "processes/migrate_result.html",
        key=key,
        source=source,
        target=target,
        outcomes=outcomes,
        counts={
            result: sum(1 for o in outcomes if o.result == result) for result in (MIGRATED, REFUSED, FAILED)
        },
        batch=instance_id is None,
        last_id=last_id,
        more=more,
        remaining=count_running_instances(source.id),
    )
