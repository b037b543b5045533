"""privacy retention: anonymisation marks, last login, holds, deletion requests

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Issue 14 (second half): the retention job anonymises people with no activity for a
while, and households that asked to be deleted once staff confirm it.

- person.anonymised_at, household.anonymised_at: when it was done (NULL: not);
- user.last_login_at: the last successful login, part of a person's activity;
- privacy_hold: people staff keep out of the job, with the reason (one row while held);
- deletion_request: a household's request, pending until staff confirm or decline it
  (at most one pending per household: a partial unique index).

No data is carried over. Names are those the naming convention of app/extensions.py
gives; the new columns are nullable, so SQLite's batch mode copies the tables as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("last_login_at", sa.DateTime(), nullable=True))
    op.create_table(
        "privacy_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("held_by_id", sa.Integer(), nullable=True),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["held_by_id"], ["user.id"], name=op.f("fk_privacy_hold_held_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_privacy_hold_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_hold")),
        sa.UniqueConstraint("person_id", name=op.f("uq_privacy_hold_person_id")),
    )
    op.create_table(
        "deletion_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user.id"], name=op.f("fk_deletion_request_decided_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_deletion_request_household_id_household"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user.id"],
            name=op.f("fk_deletion_request_requested_by_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_request")),
    )
    op.create_index(op.f("ix_deletion_request_household_id"), "deletion_request", ["household_id"])
    op.create_index(
        "uq_deletion_request_pending",
        "deletion_request",
        ["household_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade():
    op.drop_index("uq_deletion_request_pending", table_name="deletion_request")
    op.drop_index(op.f("ix_deletion_request_household_id"), table_name="deletion_request")
    op.drop_table("deletion_request")
    op.drop_table("privacy_hold")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("last_login_at")
    with op.batch_alter_table("household") as batch:
        batch.drop_column("anonymised_at")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("anonymised_at")
