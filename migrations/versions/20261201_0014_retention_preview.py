"""retention preview: the staff page reads a stored list (issue 18)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

The privacy page showed whom the next retention run would anonymise by computing
every person's last activity over the whole history (a union of every booking,
attendance mark, audit entry…) on each view: seconds at a centre with a couple of
years behind it. The daily retention job (or staff, on demand) now stores that list:

- retention_preview: when it was computed (one row);
- retention_preview_person: the people and their last activity (NULL: none),
  deleted with the person.

The run itself still computes live. No data is carried over: until the first
computation the page says the list is not computed yet.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retention_preview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_preview")),
    )
    op.create_table(
        "retention_preview_person",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("last_active", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_retention_preview_person_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_retention_preview_person")),
    )


def downgrade():
    op.drop_table("retention_preview_person")
    op.drop_table("retention_preview")
