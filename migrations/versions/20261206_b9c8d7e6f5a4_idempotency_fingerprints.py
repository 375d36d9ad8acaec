"""What an API call sent with its Idempotency-Key (issue 19): the same key sent with another call
is refused rather than taken for a retry of the first.

Revision ID: b9c8d7e6f5a4
Revises: f1a2b3c4d5e6
Create Date: 2026-12-06 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b9c8d7e6f5a4"
down_revision = "f1a2b3c4d5e6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("form_submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("form_submission", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
