"""engine: fewer indexes written by every step

Every completion writes each index of human_tasks and process_events. No query reads these four:
ix_human_tasks_instance_id repeats the leading column of uq_human_tasks_instance_spiff_task, the worklists'
process filter narrows the rows of the status indexes, and events are read by business key, by instance
and (the analytics rollup) in id order.

Revision ID: 31bd53e33b85
Revises: 0511e81eed78
Create Date: 2026-11-25 16:54:29.502653

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "31bd53e33b85"
down_revision = "0511e81eed78"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_human_tasks_definition_status"))
        batch_op.drop_index(batch_op.f("ix_human_tasks_instance_id"))

    with op.batch_alter_table("process_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_events_at"))
        batch_op.drop_index(batch_op.f("ix_process_events_definition_kind_at"))


def downgrade():
    with op.batch_alter_table("process_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_events_definition_kind_at"), ["definition_id", "kind", "at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_process_events_at"), ["at"], unique=False)

    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_human_tasks_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_human_tasks_definition_status"), ["definition_id", "status"], unique=False
        )
