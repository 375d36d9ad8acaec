"""The data's version (issue 17): one row whose number every committed write moves on, so that a
page kept rendered is known to be out of date (tracker.core.changes, tracker.core.page_cache); each
alert scan records the version it left, so that a second scan of the day with nothing written since
has nothing to do.

Revision ID: 8d3f2b6a4c10
Revises: 5c1e0f7a9b2d
Create Date: 2026-12-06 03:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8d3f2b6a4c10"
down_revision = "5c1e0f7a9b2d"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])
    with op.batch_alter_table("scan_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_version", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("scan_run", schema=None) as batch_op:
        batch_op.drop_column("data_version")
    op.drop_table("data_version")
