"""booking indexes: the bookings of one session, read without a scan (issue 18)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

No index started with `booking.session_id`, so every "bookings of this session"
(a roll, the desk's session page, a card's queue, a programme day's queue) read the
whole booking table (SQLite without statistics: SCAN booking; with them, or on
PostgreSQL, all of ix_booking_queue). `ix_booking_session_status` (session_id,
status) makes each a seek; the term half of a roll's OR (session_id IS NULL AND
activity_id = …) already has `ix_booking_queue` (activity_id, session_id, status,
queued_at), so with this index the OR is two index searches (SQLite: MULTI-INDEX OR,
PostgreSQL: BitmapOr). bench/plans.py prints the plans without and with it.

Nothing else changes; SQLite's statistics are gathered after migrating
(migrations/env.py) and daily (the `optimize` job, app/services/statistics.py).
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_booking_session_status", "booking", ["session_id", "status"])


def downgrade():
    op.drop_index("ix_booking_session_status", table_name="booking")
