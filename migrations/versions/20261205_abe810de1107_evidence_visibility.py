"""Evidence files get a visibility: who may open them (issue 14, personal data in evidence).

"restricted": the unit that posted the file, the other units of the task (lead or partner, unit
groups expanded to their members), the secretariat, the steering committee and the chair.
"ward": everyone signed in to the ward. Files may hold lists of poor households, so every file
posted before this revision becomes "restricted" (the server default), as does every new file whose
poster does not choose otherwise. The rule itself is tracker.accounts.permissions.can_read_evidence.

Revision ID: abe810de1107
Revises: d98bfe2c56d9
Create Date: 2026-12-05 05:30:29.898162

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "abe810de1107"
down_revision = "d98bfe2c56d9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visibility", sa.String(length=16), server_default="restricted", nullable=False))
        batch_op.create_check_constraint(op.f("ck_evidence_visibility_known"), "visibility IN ('restricted', 'ward')")


def downgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_evidence_visibility_known"), type_="check")
        batch_op.drop_column("visibility")
