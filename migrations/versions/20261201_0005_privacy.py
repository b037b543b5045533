"""privacy: guardians' consents per child, access records, breaches

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

- consent: one row per consent a guardian gave for a child under 14, of a kind
  (booking records, care notes), with who, when, the channel and the privacy
  notice's version; withdrawing stamps `withdrawn_at`. At most one row per child
  and kind is in force (a partial unique index).
- access_record: a teacher or staff member saw a child's data on a page.
- breach: a personal-data incident staff recorded.

No data is carried over and no consent is invented for children already on file:
until a guardian agrees (on the "My family" page or at the desk), a child under 14
cannot be booked for anything new. Names are those the naming convention of
app/extensions.py gives.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("given_by_id", sa.Integer(), nullable=True),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("notice_version", sa.String(length=16), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_channel", sa.String(length=8), nullable=True),
        sa.CheckConstraint(
            "kind IN ('booking', 'care_notes')", name=op.f("ck_consent_consent_kind")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_consent_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["person.id"], name=op.f("fk_consent_guardian_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["given_by_id"], ["user.id"], name=op.f("fk_consent_given_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["user.id"], name=op.f("fk_consent_withdrawn_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    op.create_index(op.f("ix_consent_person_id"), "consent", ["person_id"])
    op.create_index(
        "uq_consent_in_force",
        "consent",
        ["person_id", "kind"],
        unique=True,
        sqlite_where=sa.text("withdrawn_at IS NULL"),
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )
    op.create_table(
        "access_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("viewer_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_access_record_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["viewer_id"], ["user.id"], name=op.f("fk_access_record_viewer_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_record")),
    )
    op.create_index(op.f("ix_access_record_viewer_id"), "access_record", ["viewer_id"])
    op.create_index(op.f("ix_access_record_at"), "access_record", ["at"])
    op.create_index("ix_access_record_person_at", "access_record", ["person_id", "at"])
    op.create_table(
        "breach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("what", sa.String(length=1000), nullable=False),
        sa.Column("who_was_told", sa.String(length=500), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user.id"], name=op.f("fk_breach_recorded_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach")),
    )
    op.create_index(op.f("ix_breach_happened_on"), "breach", ["happened_on"])


def downgrade():
    op.drop_index(op.f("ix_breach_happened_on"), table_name="breach")
    op.drop_table("breach")
    op.drop_index("ix_access_record_person_at", table_name="access_record")
    op.drop_index(op.f("ix_access_record_at"), table_name="access_record")
    op.drop_index(op.f("ix_access_record_viewer_id"), table_name="access_record")
    op.drop_table("access_record")
    op.drop_index("uq_consent_in_force", table_name="consent")
    op.drop_index(op.f("ix_consent_person_id"), table_name="consent")
    op.drop_table("consent")
