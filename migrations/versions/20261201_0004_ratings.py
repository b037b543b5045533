"""ratings: satisfaction (满意度) with a session, and the report's indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

A participant (or whoever may act for them) rates a session they came to with one
of three faces and an optional remark: one rating per person and session (the
unique pair), read by the service report by session.

No data is carried over: the table starts empty. Names are those the naming
convention of app/extensions.py gives.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=4), nullable=False),
        sa.Column("comment", sa.String(length=200), nullable=True),
        sa.Column("rated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("value IN ('good', 'ok', 'bad')", name=op.f("ck_rating_rating_value")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_rating_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["rated_by_id"], ["user.id"], name=op.f("fk_rating_rated_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_rating_session_id_activity_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint("person_id", "session_id", name=op.f("uq_rating_person_id_session_id")),
    )
    op.create_index(op.f("ix_rating_session_id"), "rating", ["session_id"])


def downgrade():
    op.drop_index(op.f("ix_rating_session_id"), table_name="rating")
    op.drop_table("rating")
