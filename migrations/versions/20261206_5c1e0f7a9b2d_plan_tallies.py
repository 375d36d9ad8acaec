"""Each plan's stored standing keeps its leaf tasks counted by status and by flag or rating
(issue 17): the unfiltered dashboard reads its counts from that one row instead of counting every
task of the plan on each request; a plan's tasks of one status, and its open alerts by kind, are
indexed. The stored standings are derived data: they are emptied here
and recomputed with the tallies the first time a page or the daily scan asks for them.

Revision ID: 5c1e0f7a9b2d
Revises: 748121f3d327
Create Date: 2026-12-06 00:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1e0f7a9b2d"
down_revision = "748121f3d327"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM plan_standing")
    with op.batch_alter_table("plan_standing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tallies", sa.JSON(), server_default="{}", nullable=False))
    with op.batch_alter_table("task_standing", schema=None) as batch_op:
        batch_op.create_index("ix_task_standing_plan_status", ["plan_id", "status"], unique=False)
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_plan_open", ["plan_id", "resolved_at", "kind"], unique=False)


def downgrade():
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_plan_open")
    with op.batch_alter_table("task_standing", schema=None) as batch_op:
        batch_op.drop_index("ix_task_standing_plan_status")
    with op.batch_alter_table("plan_standing", schema=None) as batch_op:
        batch_op.drop_column("tallies")
