"""programme: the lottery seed's public commitment (SHA-256) and when it was drawn

The seed itself stays in draw_seed, drawn by the app when applications close and
shown only after the draw.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seed_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("seed_drawn_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("seed_drawn_at")
        batch_op.drop_column("seed_sha256")
