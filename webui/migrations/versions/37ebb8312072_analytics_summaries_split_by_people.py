"""analytics summaries split by people

The process-efficiency figures under a department or assignee filter come from per-day summaries split by the
instances' people set (analytics_instance_people_days, analytics_instance_people_end_days,
analytics_branch_people_days, analytics_people_sets) and by the steps' assignee
(analytics_step_assignee_days); analytics_instances.people holds each instance's set, and the bucket indexes
carry the people/assignee column so the exact percentile reads stay inside them. The instance and step rows
are kept per day, ISO week and month (column period), so a long period reads few rows. The existing facts have no
people set: every fact and summary is dropped and the analytics cursor reset, so the periodic rollup job rolls
the event log (the source of truth) up again, as engine.analytics.rollup.rebuild_facts() does.

Revision ID: 37ebb8312072
Revises: 31bd53e33b85
Create Date: 2026-11-25 17:17:44.728476

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "37ebb8312072"
down_revision = "31bd53e33b85"
branch_labels = None
depends_on = None

# Filled by the analytics rollup from the event log (engine.analytics.rollup.rebuild_facts empties the same).
_ROLLED_UP = (
    "analytics_instances",
    "analytics_steps",
    "analytics_branches",
    "analytics_element_days",
    "analytics_instance_days",
    "analytics_instance_end_days",
    "analytics_step_days",
    "analytics_branch_days",
    "analytics_branch_labels",
    "analytics_instance_people_days",
    "analytics_instance_people_end_days",
    "analytics_people_sets",
    "analytics_step_assignee_days",
    "analytics_branch_people_days",
)


def upgrade():
    op.create_table(
        "analytics_branch_people_days",
        sa.Column("definition_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("people", sa.Text(), nullable=False),
        sa.Column("branch_definition_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("gateway", sa.String(length=255), nullable=False),
        sa.Column("flow", sa.String(length=255), nullable=False),
        sa.Column("started_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("instances", sa.Integer(), nullable=False),
        sa.Column("business_n", sa.Integer(), nullable=False),
        sa.Column("business_sum_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "definition_id",
            "people",
            "branch_definition_id",
            "gateway",
            "flow",
            "started_day",
            "status",
            name=op.f("pk_analytics_branch_people_days"),
        ),
    )
    op.create_table(
        "analytics_instance_people_days",
        sa.Column("definition_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("people", sa.Text(), nullable=False),
        sa.Column("started_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("instances", sa.Integer(), nullable=False),
        sa.Column("business_n", sa.Integer(), nullable=False),
        sa.Column("business_sum_s", sa.Float(), nullable=False),
        sa.Column("business_hist", sa.JSON(), nullable=False),
        sa.Column("wall_n", sa.Integer(), nullable=False),
        sa.Column("wall_sum_s", sa.Float(), nullable=False),
        sa.Column("wall_hist", sa.JSON(), nullable=False),
        sa.Column("coarse", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "definition_id",
            "period",
            "people",
            "started_day",
            "status",
            name=op.f("pk_analytics_instance_people_days"),
        ),
    )
    op.create_table(
        "analytics_instance_people_end_days",
        sa.Column("definition_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("people", sa.Text(), nullable=False),
        sa.Column("started_day", sa.Date(), nullable=False),
        sa.Column("ended_day", sa.Date(), nullable=False),
        sa.Column("instances", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "definition_id",
            "people",
            "started_day",
            "ended_day",
            name=op.f("pk_analytics_instance_people_end_days"),
        ),
    )
    op.create_table(
        "analytics_people_sets",
        sa.Column("definition_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("people", sa.Text(), nullable=False),
        sa.Column("instances", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("definition_id", "people", name=op.f("pk_analytics_people_sets")),
    )
    op.create_table(
        "analytics_step_assignee_days",
        sa.Column("definition_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("assignee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_day", sa.Date(), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("element_name", sa.String(length=255), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("business_n", sa.Integer(), nullable=False),
        sa.Column("business_sum_s", sa.Float(), nullable=False),
        sa.Column("business_hist", sa.JSON(), nullable=False),
        sa.Column("wait_business_sum_s", sa.Float(), nullable=False),
        sa.Column("work_business_sum_s", sa.Float(), nullable=False),
        sa.Column("with_due", sa.Integer(), nullable=False),
        sa.Column("late_done", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "definition_id",
            "period",
            "assignee_id",
            "created_day",
            "element_id",
            "status",
            name=op.f("pk_analytics_step_assignee_days"),
        ),
    )
    with op.batch_alter_table("analytics_instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("people", sa.Text(), nullable=True))
        batch_op.drop_index(batch_op.f("ix_analytics_instances_business"))
        batch_op.create_index(
            "ix_analytics_instances_business",
            ["definition_id", "status", "business_s", "started_at", "people"],
            unique=False,
        )
        batch_op.drop_index(batch_op.f("ix_analytics_instances_wall"))
        batch_op.create_index(
            "ix_analytics_instances_wall",
            ["definition_id", "status", "duration_s", "started_at", "people"],
            unique=False,
        )

    with op.batch_alter_table("analytics_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_steps_business"))
        batch_op.create_index(
            "ix_analytics_steps_business",
            ["definition_id", "element_id", "status", "business_s", "created_at", "assignee_id"],
            unique=False,
        )

    for table in _ROLLED_UP:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.execute(sa.text("UPDATE analytics_cursors SET last_event_id = 0 WHERE name = 'process_facts'"))


def downgrade():
    with op.batch_alter_table("analytics_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_steps_business")
        batch_op.create_index(
            batch_op.f("ix_analytics_steps_business"),
            ["definition_id", "element_id", "status", "business_s", "created_at"],
            unique=False,
        )

    with op.batch_alter_table("analytics_instances", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_instances_wall")
        batch_op.create_index(
            batch_op.f("ix_analytics_instances_wall"),
            ["definition_id", "status", "duration_s", "started_at"],
            unique=False,
        )
        batch_op.drop_index("ix_analytics_instances_business")
        batch_op.create_index(
            batch_op.f("ix_analytics_instances_business"),
            ["definition_id", "status", "business_s", "started_at"],
            unique=False,
        )
        batch_op.drop_column("people")

    op.drop_table("analytics_step_assignee_days")
    op.drop_table("analytics_people_sets")
    op.drop_table("analytics_instance_people_end_days")
    op.drop_table("analytics_instance_people_days")
    op.drop_table("analytics_branch_people_days")
