"""booking channels: online and lottery beside kiosk, desk and phone

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01

Until now a resident's own booking (and their own leave, 请假) was recorded with
the channel "phone", which the desk read as a phone call; a lottery win was
recorded as "desk". The column is a free string, so no schema changes: the
existing rows are re-labelled.

- booking/leave "phone" made by someone who is not staff or admin (the person's
  own household, or a 代办 link, on their own phone or computer) -> "online";
  "phone" rows made by staff stay "phone" (the desk's "they rang us");
  rows with no maker on record stay as they are.
- booking "desk" that a lottery application points to (its draw made it) -> "lottery".

Downgrade maps them back ("online" -> "phone", "lottery" -> "desk").
"""

from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

_NOT_STAFF = "SELECT id FROM \"user\" WHERE role NOT IN ('staff', 'admin')"


def upgrade():
    op.execute(
        "UPDATE booking SET channel = 'online' "
        f"WHERE channel = 'phone' AND booked_by_id IN ({_NOT_STAFF})"
    )
    op.execute(
        "UPDATE leave SET channel = 'online' "
        f"WHERE channel = 'phone' AND created_by_id IN ({_NOT_STAFF})"
    )
    op.execute(
        "UPDATE booking SET channel = 'lottery' WHERE channel = 'desk' AND id IN "
        "(SELECT booking_id FROM lottery_application WHERE booking_id IS NOT NULL)"
    )


def downgrade():
    op.execute("UPDATE booking SET channel = 'desk' WHERE channel = 'lottery'")
    op.execute("UPDATE booking SET channel = 'phone' WHERE channel = 'online'")
    op.execute("UPDATE leave SET channel = 'phone' WHERE channel = 'online'")
