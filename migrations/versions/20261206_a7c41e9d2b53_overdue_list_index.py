"""The overdue list a page at a time (issue 17): the index on a plan's standings by status gains the
days overdue and the plan's order, so that the most overdue tasks are read from it in order instead
of sorting every overdue task of the plan for each page.

Revision ID: a7c41e9d2b53
Revises: 8d3f2b6a4c10
Create Date: 2026-12-06 05:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c41e9d2b53"
down_revision = "8d3f2b6a4c10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task_standing", schema=None) as batch_op:
        batch_op.drop_index("ix_task_standing_plan_status")
        batch_op.create_index(
            "ix_task_standing_status_late", ["plan_id", "status", "days_overdue", "position"], unique=False
        )


def downgrade():
    with op.batch_alter_table("task_standing", schema=None) as batch_op:
        batch_op.drop_index("ix_task_standing_status_late")
        batch_op.create_index("ix_task_standing_plan_status", ["plan_id", "status"], unique=False)
