"""Each task's standing is stored (issue 17): task_standing, its lead units, and per plan the day
they were computed for. The tables start empty: a plan's standings are computed the first time a
page asks for them, and kept up to date from then on (tracker.standing.stored).

Revision ID: f6627695f392
Revises: abe810de1107
Create Date: 2026-12-05 13:06:49.102760

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f6627695f392"
down_revision = "abe810de1107"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plan_standing",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("stale_after_days", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("expected", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_standing_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plan_standing")),
    )
    op.create_table(
        "task_standing",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_leaf", sa.Boolean(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("expected", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=True),
        sa.Column("gap", sa.Numeric(precision=6, scale=1), nullable=True),
        sa.Column("rating", sa.String(length=8), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("unassigned", sa.Boolean(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("last_update_on", sa.Date(), nullable=True),
        sa.Column("last_update_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale_since", sa.Date(), nullable=True),
        sa.Column("late_report_due", sa.Date(), nullable=True),
        sa.Column("late_report_days", sa.Integer(), nullable=False),
        sa.Column("overdue_since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_task_standing_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_task_standing_task_id_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_standing")),
    )
    with op.batch_alter_table("task_standing", schema=None) as batch_op:
        batch_op.create_index("ix_task_standing_plan_position", ["plan_id", "position"], unique=False)

    op.create_table(
        "task_standing_lead",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_task_standing_lead_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_task_standing_lead_task_id_task"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_task_standing_lead_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "unit_id", name=op.f("pk_task_standing_lead")),
    )
    with op.batch_alter_table("task_standing_lead", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_standing_lead_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index("ix_task_standing_lead_unit", ["unit_id", "task_id"], unique=False)


def downgrade():
    with op.batch_alter_table("task_standing_lead", schema=None) as batch_op:
        batch_op.drop_index("ix_task_standing_lead_unit")
        batch_op.drop_index(batch_op.f("ix_task_standing_lead_plan_id"))

    op.drop_table("task_standing_lead")
    with op.batch_alter_table("task_standing", schema=None) as batch_op:
        batch_op.drop_index("ix_task_standing_plan_position")

    op.drop_table("task_standing")
    op.drop_table("plan_standing")
