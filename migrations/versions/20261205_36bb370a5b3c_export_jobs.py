"""Exports too large to write while the person waits (issue 17): export_job, written by the
scheduler and downloaded from the job's own page.

Revision ID: 36bb370a5b3c
Revises: 0b7c3e9a1d42
Create Date: 2026-12-05 16:33:54.660552

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "36bb370a5b3c"
down_revision = "0b7c3e9a1d42"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("fmt", sa.String(length=8), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_export_job_plan_id_plan"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_export_job_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_job")),
    )
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_job_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_job_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_job_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_job_user_id"))
        batch_op.drop_index(batch_op.f("ix_export_job_status"))
        batch_op.drop_index(batch_op.f("ix_export_job_plan_id"))

    op.drop_table("export_job")
