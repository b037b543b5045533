"""pickup_lock: the wrong-code lock at the door as its own state

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Until now whether a child's check-out was locked was worked out from the attempts of
the day and the last "pickup_lock_lifted" audit entry, so thinning out either log
would have unlocked or relocked a child. The door now reads this table alone.

No data is carried over: the table starts empty, so a child locked on the day of the
upgrade is unlocked by it (a lock lasts one local day; upgrade outside opening hours).
Names are those the naming convention of app/extensions.py gives.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pickup_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("wrong_codes", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lift_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"], ["person.id"], name=op.f("fk_pickup_lock_child_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"], ["user.id"], name=op.f("fk_pickup_lock_lifted_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_lock")),
        sa.UniqueConstraint("child_id", "day", name=op.f("uq_pickup_lock_child_id_day")),
    )


def downgrade():
    op.drop_table("pickup_lock")
