"""logins: wrong tries per (phone, client address) with growing locks; a daily
cap per phone number that the desk sees

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:00:00

The old per-number counts are dropped, not converted: they only held the last
few minutes of wrong tries, and a running 15-minute lock ends on upgrade.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("login_attempt")
    op.create_table(
        "login_attempt",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("locks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phone", "address", name=op.f("pk_login_attempt")),
    )
    op.create_table(
        "login_cap",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_login_cap")),
    )
    with op.batch_alter_table("login_cap", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_cap_flagged_at"), ["flagged_at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_cap", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_cap_flagged_at"))
    op.drop_table("login_cap")
    op.drop_table("login_attempt")
    op.create_table(
        "login_attempt",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_login_attempt")),
    )
