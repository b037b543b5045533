"""session cancel reason: the reason staff give when they call a session off

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-01

The lobby display shows a cancelled session as cancelled, with this reason, and the
notice to the people booked quotes it. Sessions cancelled before keep no reason
(their reason is in the audit log only): the column starts empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activity_session") as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("activity_session") as batch_op:
        batch_op.drop_column("cancel_reason")
