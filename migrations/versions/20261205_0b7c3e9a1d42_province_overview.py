"""A province's overview (issue 17): each plan's stored standing keeps the counts the overview
lists (tasks by standing, unit reports owed, sent and on time), accounts of a province name it,
wards are found by their province and sorted by their names' Vietnamese sort key. The stored standings are derived data: they are emptied here and
recomputed with the new counts the first time a page or the daily scan asks for them.

Revision ID: 0b7c3e9a1d42
Revises: f6627695f392
Create Date: 2026-12-05 16:20:00.000000

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0b7c3e9a1d42"
down_revision = "f6627695f392"
branch_labels = None
depends_on = None


def vietnamese_sort_key(text: str) -> str:
    """tracker.wards.models.vietnamese_sort_key as of this revision (a migration keeps its own copy)."""
    after = {"\u0306": "{", "\u0302": "|", "\u031b": "}"}
    key = []
    for char in text.casefold():
        if char == "đ":
            key.append("d~")
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        key.append(base + "".join(after[m] for m in marks if m in after))
    return "".join(key)


COUNTS = ("tasks", "on_track", "overdue", "stale", "reports_owed", "reports_sent", "reports_on_time")


def upgrade():
    op.execute("DELETE FROM plan_standing")
    with op.batch_alter_table("plan_standing", schema=None) as batch_op:
        for name in COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province", sa.String(length=200), nullable=True))
    with op.batch_alter_table("ward", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_name", sa.String(length=400), server_default="", nullable=False))
        batch_op.create_index(batch_op.f("ix_ward_province"), ["province"], unique=False)
    connection = op.get_bind()
    ward = sa.table(
        "ward", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("sort_name", sa.String)
    )
    for ward_id, name in connection.execute(sa.select(ward.c.id, ward.c.name)).all():
        connection.execute(ward.update().where(ward.c.id == ward_id).values(sort_name=vietnamese_sort_key(name or "")))


def downgrade():
    with op.batch_alter_table("ward", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ward_province"))
        batch_op.drop_column("sort_name")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("province")
    with op.batch_alter_table("plan_standing", schema=None) as batch_op:
        for name in COUNTS:
            batch_op.drop_column(name)
