"""The unit reports owed in each reporting round are stored with the standings (issue 17): the
dashboard's reporting list, the review queue and the league table read them instead of working
them out from the whole plan. The stored standings are emptied, to be recomputed with them.

Revision ID: 748121f3d327
Revises: 36bb370a5b3c
Create Date: 2026-12-05 16:44:32.176141

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "748121f3d327"
down_revision = "36bb370a5b3c"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM plan_standing")
    op.create_table(
        "owed_report",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("sections", sa.Integer(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_owed_report_plan_id_plan"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["reporting_period.id"],
            name=op.f("fk_owed_report_round_id_reporting_period"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_owed_report_unit_id_unit"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("round_id", "unit_id", name=op.f("pk_owed_report")),
    )
    with op.batch_alter_table("owed_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owed_report_plan_id"), ["plan_id"], unique=False)


def downgrade():
    with op.batch_alter_table("owed_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owed_report_plan_id"))

    op.drop_table("owed_report")
