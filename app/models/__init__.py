"""All models, importable from one place (Alembic and the app need them loaded)."""

from app.models.activities import (
    CATEGORIES,
    Activity,
    ActivityStatus,
    Allocation,
    Audience,
    CapacityUnit,
    EnrolmentUnit,
    Session,
    SessionStatus,
    WaitlistPolicy,
)
from app.models.attendance import Attendance, AttendanceStatus
from app.models.bookings import LIVE_STATUSES, SEAT_STATUSES, Booking, BookingStatus, Channel
from app.models.desk import (
    HouseholdLink,
    LinkStatus,
    OfferCall,
    OutboxMessage,
    OutboxStatus,
    Reminder,
)
from app.models.notices import AuditEntry, Notice
from app.models.people import (
    HOUSEHOLD_TAGS,
    STAFF_ROLES,
    Household,
    HouseholdTag,
    LoginAttempt,
    Person,
    Role,
    User,
)

__all__ = [
    "CATEGORIES",
    "HOUSEHOLD_TAGS",
    "LIVE_STATUSES",
    "SEAT_STATUSES",
    "STAFF_ROLES",
    "Activity",
    "ActivityStatus",
    "Allocation",
    "AuditEntry",
    "Attendance",
    "AttendanceStatus",
    "Audience",
    "Booking",
    "BookingStatus",
    "CapacityUnit",
    "Channel",
    "EnrolmentUnit",
    "Household",
    "HouseholdLink",
    "LinkStatus",
    "OfferCall",
    "OutboxMessage",
    "OutboxStatus",
    "Reminder",
    "HouseholdTag",
    "LoginAttempt",
    "Notice",
    "Person",
    "Role",
    "Session",
    "SessionStatus",
    "User",
    "WaitlistPolicy",
]
