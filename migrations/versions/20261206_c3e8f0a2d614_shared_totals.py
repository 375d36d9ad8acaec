"""The shared indicators of a province added up, kept (issue 17): the overview of many wards read
them from one row instead of adding up every ward's indicators on each request. They are kept
under a second number of data_version (row 2, the indicators' version), moved on only by the writes
that can change them.

Revision ID: c3e8f0a2d614
Revises: a7c41e9d2b53
Create Date: 2026-12-06 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3e8f0a2d614"
down_revision = "a7c41e9d2b53"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shared_total",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_shared_total")),
    )
    versions = sa.table("data_version", sa.column("id", sa.Integer()), sa.column("version", sa.BigInteger()))
    op.bulk_insert(versions, [{"id": 2, "version": 0}])


def downgrade():
    op.execute("DELETE FROM data_version WHERE id = 2")
    op.drop_table("shared_total")
