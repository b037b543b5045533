"""pickup list: codes as keyed hashes, one-day authorisations, removed people deleted

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00

Existing plain codes are hashed with the migrating app's key (PICKUP_CODE_KEY, else
derived from SECRET_KEY), so families keep their codes. PICKUP_CODE_KEY (or, without
it, SECRET_KEY) must be the same when this migration runs as for the app afterwards:
with another key every code migrated here stops working at the door, and the
guardians must give new codes. The derivation is copied here, not imported from
app.services.pickup, so that this migration does not change when the app does.

People taken off a list before are deleted now; the door's log keeps their name on
each attempt.

On SQLite, pickup_person.code_hash keeps the empty server default it needed to be
added as NOT NULL in place: removing it would mean rebuilding pickup_person, which
SQLite cannot drop while pickup_attempt rows refer to it (foreign keys are on and
cannot be switched off inside the migration's transaction). The app always writes
a hash; an empty one matches no code.
"""

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

pickup_person = sa.table(
    "pickup_person",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("code", sa.String),
    sa.column("code_hash", sa.String),
    sa.column("removed_at", sa.DateTime),
    sa.column("valid_on", sa.Date),
)
pickup_attempt = sa.table(
    "pickup_attempt",
    sa.column("pickup_person_id", sa.Integer),
    sa.column("pickup_name", sa.String),
)


def _code_key() -> bytes:
    """PICKUP_CODE_KEY, else derived from SECRET_KEY, as the app did in December 2026."""
    from flask import current_app

    configured = current_app.config.get("PICKUP_CODE_KEY")
    if configured:
        return configured.encode()
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(secret, b"zhaoxi pickup codes v1", hashlib.sha256).digest()


def _hash_code(key: bytes, code: str) -> str:
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def upgrade():
    key = _code_key()

    with op.batch_alter_table("pickup_attempt", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("pickup_name", sa.String(length=60), nullable=True))
    # recreate="never": on SQLite a recreated pickup_person could not be dropped while
    # attempts refer to it (foreign keys are on); SQLite >= 3.35 adds and drops
    # plain columns in place. The empty default only lets the NOT NULL column in.
    with op.batch_alter_table("pickup_person", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("code_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("valid_on", sa.Date(), nullable=True))

    # Every attempt keeps the name of the person who came, whatever happens to the list.
    named = (
        sa.select(pickup_person.c.name)
        .where(pickup_person.c.id == pickup_attempt.c.pickup_person_id)
        .scalar_subquery()
    )
    op.execute(
        pickup_attempt.update()
        .where(pickup_attempt.c.pickup_person_id.is_not(None))
        .values(pickup_name=named)
    )
    removed = sa.select(pickup_person.c.id).where(pickup_person.c.removed_at.is_not(None))
    op.execute(
        pickup_attempt.update()
        .where(pickup_attempt.c.pickup_person_id.in_(removed))
        .values(pickup_person_id=None)
    )
    op.execute(pickup_person.delete().where(pickup_person.c.removed_at.is_not(None)))

    connection = op.get_bind()
    for row in connection.execute(sa.select(pickup_person.c.id, pickup_person.c.code)).all():
        connection.execute(
            pickup_person.update()
            .where(pickup_person.c.id == row.id)
            .values(code_hash=_hash_code(key, row.code))
        )

    with op.batch_alter_table("pickup_person", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("code")
        batch_op.drop_column("removed_at")
        if connection.dialect.name != "sqlite":
            batch_op.alter_column(
                "code_hash", existing_type=sa.String(length=64), server_default=None
            )


def downgrade():
    # One-day authorisations would become every-day ones: they go.
    one_day = sa.select(pickup_person.c.id).where(pickup_person.c.valid_on.is_not(None))
    op.execute(
        pickup_attempt.update()
        .where(pickup_attempt.c.pickup_person_id.in_(one_day))
        .values(pickup_person_id=None)
    )
    op.execute(pickup_person.delete().where(pickup_person.c.valid_on.is_not(None)))
    # The codes cannot be recovered from their hashes: every listed person gets a new
    # random code, which the guardians must ask the desk for.
    with op.batch_alter_table("pickup_person", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("code", sa.String(length=4), nullable=False, server_default="")
        )
    connection = op.get_bind()
    for (person_id,) in connection.execute(sa.select(pickup_person.c.id)).all():
        connection.execute(
            pickup_person.update()
            .where(pickup_person.c.id == person_id)
            .values(code=f"{secrets.randbelow(10000):04d}")
        )
    with op.batch_alter_table("pickup_person", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("valid_on")
        batch_op.drop_column("code_hash")
        if connection.dialect.name != "sqlite":
            batch_op.alter_column("code", existing_type=sa.String(length=4), server_default=None)
    with op.batch_alter_table("pickup_attempt", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("pickup_name")
