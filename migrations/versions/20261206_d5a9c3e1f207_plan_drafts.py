"""Plan documents read into drafts (issue 18): kept with the secretariat's edits until adopted.

Revision ID: d5a9c3e1f207
Revises: c3e8f0a2d614
Create Date: 2026-12-06 05:15:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d5a9c3e1f207"
down_revision = "c3e8f0a2d614"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plan_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("adopted_plan_id", sa.Integer(), nullable=True),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["adopted_plan_id"], ["plan.id"], name=op.f("fk_plan_draft_adopted_plan_id_plan")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_plan_draft_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["ward_id"], ["ward.id"], name=op.f("fk_plan_draft_ward_id_ward")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_draft")),
    )
    with op.batch_alter_table("plan_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_draft_ward_id"), ["ward_id"], unique=False)


def downgrade():
    with op.batch_alter_table("plan_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_draft_ward_id"))
    op.drop_table("plan_draft")
