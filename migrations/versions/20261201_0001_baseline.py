"""baseline: the whole schema as the models declare it on 2026-12-01

Revision ID: 0001
Revises:
Create Date: 2026-12-01

Replaces the first twelve migrations (booking spine … session_version), squashed
because nothing had been installed yet. Constraint and index names are those the
naming convention of app/extensions.py gives (op.f() marks a name as final), or
the explicit names the models choose. Tables come in dependency order, by area.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Bookings that still count (confirmed, waitlisted, offered): the partial unique
# indexes allow one of them per person and session, and per person and series.
LIVE_BOOKING = "status IN ('confirmed', 'waitlisted', 'offered')"
OPEN_LINK = "status IN ('pending', 'confirmed')"


def _partial(condition: str) -> dict:
    """The WHERE of a partial index, for both databases the app runs on."""
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade():
    # --- people: households, their members and the accounts ------------------------
    op.create_table(
        "household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
    )
    op.create_table(
        "household_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_household_tag_household_id_household")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_tag")),
        sa.UniqueConstraint("household_id", "tag", name=op.f("uq_household_tag_household_id_tag")),
    )
    op.create_index(op.f("ix_household_tag_household_id"), "household_tag", ["household_id"])
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("member_no", sa.String(length=16), nullable=True),
        sa.Column("care_notes", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_person_household_id_household")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("member_no", name=op.f("uq_person_member_no")),
    )
    op.create_index(op.f("ix_person_household_id"), "person", ["household_id"])
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=256), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        # The model declares server_default="0" too (rows written outside the ORM).
        sa.Column("session_version", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_user_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("person_id", name=op.f("uq_user_person_id")),
        sa.UniqueConstraint("phone", name=op.f("uq_user_phone")),
    )

    # --- activities and their dated sessions ---------------------------------------
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("title_en", sa.String(length=120), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("teacher_id", sa.Integer(), nullable=True),
        sa.Column("room", sa.String(length=60), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("enrolment_unit", sa.String(length=10), nullable=False),
        sa.Column("capacity_unit", sa.String(length=10), nullable=False),
        sa.Column("allocation", sa.String(length=10), nullable=False),
        sa.Column("waitlist_enabled", sa.Boolean(), nullable=False),
        sa.Column("waitlist_policy", sa.String(length=10), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("cancel_hours", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "taken >= 0 AND taken <= capacity", name=op.f("ck_activity_series_seats")
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["user.id"], name=op.f("fk_activity_teacher_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    op.create_index(op.f("ix_activity_category"), "activity", ["category"])
    op.create_table(
        "activity_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("room", sa.String(length=60), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "taken >= 0 AND taken <= capacity", name=op.f("ck_activity_session_session_seats")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_activity_session_session_times")),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_activity_session_activity_id_activity")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_session")),
    )
    op.create_index(op.f("ix_activity_session_activity_id"), "activity_session", ["activity_id"])
    op.create_index(op.f("ix_activity_session_starts_at"), "activity_session", ["starts_at"])

    # --- bookings: a person's claim on one session, or (session_id NULL) a series ---
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("late_cancel", sa.Boolean(), nullable=False),
        sa.Column("offer_expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_booking_activity_id_activity")
        ),
        sa.ForeignKeyConstraint(
            ["booked_by_id"], ["user.id"], name=op.f("fk_booking_booked_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["user.id"], name=op.f("fk_booking_cancelled_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_booking_household_id_household")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_booking_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_booking_session_id_activity_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
    )
    op.create_index(op.f("ix_booking_household_id"), "booking", ["household_id"])
    op.create_index(op.f("ix_booking_person_id"), "booking", ["person_id"])
    op.create_index(
        "ix_booking_queue", "booking", ["activity_id", "session_id", "status", "queued_at"]
    )
    op.create_index(
        "uq_booking_live_session",
        "booking",
        ["person_id", "session_id"],
        unique=True,
        **_partial(f"{LIVE_BOOKING} AND session_id IS NOT NULL"),
    )
    op.create_index(
        "uq_booking_live_series",
        "booking",
        ["person_id", "activity_id"],
        unique=True,
        **_partial(f"{LIVE_BOOKING} AND session_id IS NULL"),
    )

    # --- attendance and the roll: marks, their history, leave, no-shows ------------
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(), nullable=True),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_attendance_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["marked_by_id"], ["user.id"], name=op.f("fk_attendance_marked_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_attendance_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_attendance_session_id_activity_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint(
            "session_id", "person_id", name=op.f("uq_attendance_session_id_person_id")
        ),
    )
    op.create_index(op.f("ix_attendance_person_id"), "attendance", ["person_id"])
    op.create_index(op.f("ix_attendance_session_id"), "attendance", ["session_id"])
    op.create_table(
        "attendance_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attendance_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=10), nullable=True),
        sa.Column("to_status", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["attendance.id"],
            name=op.f("fk_attendance_change_attendance_id_attendance"),
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["user.id"], name=op.f("fk_attendance_change_changed_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_change")),
    )
    op.create_index(
        op.f("ix_attendance_change_attendance_id"), "attendance_change", ["attendance_id"]
    )
    op.create_table(
        "leave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_leave_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_leave_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_leave_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_leave_session_id_activity_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leave")),
        sa.UniqueConstraint("session_id", "person_id", name=op.f("uq_leave_session_id_person_id")),
    )
    op.create_index(op.f("ix_leave_booking_id"), "leave", ["booking_id"])
    op.create_index(op.f("ix_leave_person_id"), "leave", ["person_id"])
    op.create_index(op.f("ix_leave_session_id"), "leave", ["session_id"])
    op.create_table(
        "suspension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("strikes", sa.Integer(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lift_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"], ["user.id"], name=op.f("fk_suspension_lifted_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_suspension_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspension")),
    )
    op.create_index(op.f("ix_suspension_person_id"), "suspension", ["person_id"])
    op.create_table(
        "welfare_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("attendance_id", sa.Integer(), nullable=False),
        sa.Column("call_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["attendance.id"],
            name=op.f("fk_welfare_call_attendance_id_attendance"),
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["user.id"], name=op.f("fk_welfare_call_done_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_welfare_call_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_welfare_call_session_id_activity_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_welfare_call")),
        sa.UniqueConstraint(
            "session_id", "person_id", name=op.f("uq_welfare_call_session_id_person_id")
        ),
    )
    op.create_index(op.f("ix_welfare_call_call_date"), "welfare_call", ["call_date"])
    op.create_index(op.f("ix_welfare_call_person_id"), "welfare_call", ["person_id"])
    op.create_index(op.f("ix_welfare_call_session_id"), "welfare_call", ["session_id"])
    op.create_table(
        "session_helper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["user.id"], name=op.f("fk_session_helper_added_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_session_helper_session_id_activity_session"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_session_helper_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_helper")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_session_helper_session_id_user_id")
        ),
    )
    op.create_index(op.f("ix_session_helper_session_id"), "session_helper", ["session_id"])
    op.create_index(op.f("ix_session_helper_user_id"), "session_helper", ["user_id"])

    # --- childcare: programmes, day slots, the lottery, safe pickup ----------------
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("full_start", sa.Time(), nullable=True),
        sa.Column("full_end", sa.Time(), nullable=True),
        sa.Column("morning_start", sa.Time(), nullable=True),
        sa.Column("morning_end", sa.Time(), nullable=True),
        sa.Column("afternoon_start", sa.Time(), nullable=True),
        sa.Column("afternoon_end", sa.Time(), nullable=True),
        sa.Column("min_grade", sa.Integer(), nullable=True),
        sa.Column("max_grade", sa.Integer(), nullable=True),
        sa.Column("per_child_limit", sa.Integer(), nullable=True),
        sa.Column("weekly_blocks", sa.Boolean(), nullable=False),
        sa.Column("newcomer_share", sa.Integer(), nullable=False),
        sa.Column("pickup_grace_minutes", sa.Integer(), nullable=False),
        sa.Column("draw_seed", sa.String(length=64), nullable=True),
        sa.Column("seed_sha256", sa.String(length=64), nullable=True),
        sa.Column("seed_drawn_at", sa.DateTime(), nullable=True),
        sa.Column("drawn_at", sa.DateTime(), nullable=True),
        sa.Column("drawn_by_id", sa.Integer(), nullable=True),
        sa.Column("draw_report", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "newcomer_share >= 0 AND newcomer_share <= 100",
            name=op.f("ck_programme_newcomer_share"),
        ),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_programme_programme_days")),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_programme_activity_id_activity")
        ),
        sa.ForeignKeyConstraint(
            ["drawn_by_id"], ["user.id"], name=op.f("fk_programme_drawn_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_programme_activity_id")),
    )
    op.create_table(
        "programme_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_slot_programme_id_programme"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_programme_slot_session_id_activity_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_slot")),
        sa.UniqueConstraint("session_id", name=op.f("uq_programme_slot_session_id")),
    )
    op.create_index(op.f("ix_programme_slot_programme_id"), "programme_slot", ["programme_id"])
    op.create_table(
        "lottery_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("together_key", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("draw_rank", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["applied_by_id"], ["user.id"], name=op.f("fk_lottery_application_applied_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_lottery_application_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_lottery_application_household_id_household"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_lottery_application_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_lottery_application_programme_id_programme"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_lottery_application_session_id_activity_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lottery_application")),
        sa.UniqueConstraint(
            "session_id", "person_id", name=op.f("uq_lottery_application_session_id_person_id")
        ),
    )
    op.create_index(op.f("ix_lottery_application_person_id"), "lottery_application", ["person_id"])
    op.create_index(
        op.f("ix_lottery_application_programme_id"), "lottery_application", ["programme_id"]
    )
    op.create_index(
        op.f("ix_lottery_application_session_id"), "lottery_application", ["session_id"]
    )
    # Pickup codes are stored only as keyed hashes (HMAC-SHA256, 64 hex digits).
    op.create_table(
        "pickup_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("relation", sa.String(length=30), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("valid_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["person.id"], name=op.f("fk_pickup_person_child_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_pickup_person_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_person")),
    )
    op.create_index(op.f("ix_pickup_person_child_id"), "pickup_person", ["child_id"])
    op.create_table(
        "pickup_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("attendance_id", sa.Integer(), nullable=True),
        sa.Column("pickup_person_id", sa.Integer(), nullable=True),
        sa.Column("pickup_name", sa.String(length=60), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("teacher_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["attendance.id"],
            name=op.f("fk_pickup_attempt_attendance_id_attendance"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["person.id"], name=op.f("fk_pickup_attempt_child_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["pickup_person_id"],
            ["pickup_person.id"],
            name=op.f("fk_pickup_attempt_pickup_person_id_pickup_person"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_pickup_attempt_session_id_activity_session"),
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"], ["user.id"], name=op.f("fk_pickup_attempt_teacher_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_attempt")),
    )
    op.create_index(op.f("ix_pickup_attempt_child_id"), "pickup_attempt", ["child_id"])
    op.create_index(op.f("ix_pickup_attempt_created_at"), "pickup_attempt", ["created_at"])
    op.create_index(op.f("ix_pickup_attempt_session_id"), "pickup_attempt", ["session_id"])

    # --- desk and kiosk: household links (代办), offer calls, reminders, help --------
    op.create_table(
        "household_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_household_link_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user.id"], name=op.f("fk_household_link_requested_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_household_link_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_link")),
    )
    op.create_index(op.f("ix_household_link_person_id"), "household_link", ["person_id"])
    op.create_index(op.f("ix_household_link_user_id"), "household_link", ["user_id"])
    op.create_index(
        "uq_household_link_open",
        "household_link",
        ["user_id", "person_id"],
        unique=True,
        **_partial(OPEN_LINK),
    )
    op.create_table(
        "offer_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_offer_call_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["user.id"], name=op.f("fk_offer_call_done_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_offer_call_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_call")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_offer_call_booking_id")),
    )
    op.create_index(op.f("ix_offer_call_person_id"), "offer_call", ["person_id"])
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_reminder_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["activity_session.id"],
            name=op.f("fk_reminder_session_id_activity_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint(
            "booking_id", "session_id", name=op.f("uq_reminder_booking_id_session_id")
        ),
    )
    op.create_table(
        "help_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["user.id"], name=op.f("fk_help_request_resolved_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_help_request_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_request")),
    )
    op.create_index(op.f("ix_help_request_created_at"), "help_request", ["created_at"])

    # --- notices, the audit log and the outbox --------------------------------------
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_notice_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_notice_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
    )
    op.create_index("ix_notice_user_created", "notice", ["user_id", "created_at"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_audit_entry_actor_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index(op.f("ix_audit_entry_action"), "audit_entry", ["action"])
    op.create_index(op.f("ix_audit_entry_actor_id"), "audit_entry", ["actor_id"])
    op.create_index(op.f("ix_audit_entry_created_at"), "audit_entry", ["created_at"])
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_outbox_message_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    op.create_index("ix_outbox_message_status_created", "outbox_message", ["status", "created_at"])
    op.create_index(op.f("ix_outbox_message_user_id"), "outbox_message", ["user_id"])

    # --- logins: wrong tries per (phone, address), the daily cap per phone ---------
    op.create_table(
        "login_attempt",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("locks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phone", "address", name=op.f("pk_login_attempt")),
    )
    op.create_table(
        "login_cap",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_login_cap")),
    )
    op.create_index(op.f("ix_login_cap_flagged_at"), "login_cap", ["flagged_at"])


# Every table, in the order upgrade() creates them; downgrade() drops them backwards
# (each table's indexes go with it).
TABLES = (
    "household",
    "household_tag",
    "person",
    "user",
    "activity",
    "activity_session",
    "booking",
    "attendance",
    "attendance_change",
    "leave",
    "suspension",
    "welfare_call",
    "session_helper",
    "programme",
    "programme_slot",
    "lottery_application",
    "pickup_person",
    "pickup_attempt",
    "household_link",
    "offer_call",
    "reminder",
    "help_request",
    "notice",
    "audit_entry",
    "outbox_message",
    "login_attempt",
    "login_cap",
)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
