"""birthdays and calendars: the lunar-birthday flag, session invitations, calendar feeds

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

- `person.birthday_lunar` (boolean, false for everyone already there): the person keeps
  the lunar birthday, so the month's birthday list counts its lunar date.
- `session_invitation`: the people invited to one session (the month's birthday party),
  who may book it before its class opens to everyone; one row per person and session.
- `calendar_feed`: one private calendar address per user, found by the SHA-256 of its
  token; renewing changes the nonce and the hash, turning it off deletes the row.

Names are those the naming convention of app/extensions.py gives (batch mode on SQLite
needs them named).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person") as batch:
        batch.add_column(
            sa.Column("birthday_lunar", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "session_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_session_invitation_session_id_activity_session"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_session_invitation_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["user.id"], name=op.f("fk_session_invitation_invited_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_invitation")),
        sa.UniqueConstraint(
            "session_id", "person_id", name=op.f("uq_session_invitation_session_id_person_id")
        ),
    )
    op.create_index(op.f("ix_session_invitation_session_id"), "session_invitation", ["session_id"])
    op.create_index(op.f("ix_session_invitation_person_id"), "session_invitation", ["person_id"])
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_calendar_feed_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feed_user_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )


def downgrade():
    op.drop_table("calendar_feed")
    op.drop_index(op.f("ix_session_invitation_person_id"), table_name="session_invitation")
    op.drop_index(op.f("ix_session_invitation_session_id"), table_name="session_invitation")
    op.drop_table("session_invitation")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("birthday_lunar")
