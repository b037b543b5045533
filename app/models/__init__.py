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
from app.models.bookings import LIVE_STATUSES, Booking, BookingStatus, Channel
from app.models.kiosk import HelpRequest
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
from app.models.programmes import (
    SLOT_KINDS,
    ApplicationStatus,
    LotteryApplication,
    PickupAttempt,
    PickupPerson,
    Programme,
    ProgrammeKind,
    ProgrammeSlot,
    SlotKind,
)
from app.models.roll import AttendanceChange, Leave, Suspension, WelfareCall

__all__ = [
    "CATEGORIES",
    "HOUSEHOLD_TAGS",
    "LIVE_STATUSES",
    "STAFF_ROLES",
    "Activity",
    "ActivityStatus",
    "Allocation",
    "AuditEntry",
    "Attendance",
    "AttendanceChange",
    "AttendanceStatus",
    "Audience",
    "Booking",
    "BookingStatus",
    "CapacityUnit",
    "Channel",
    "EnrolmentUnit",
    "HelpRequest",
    "Household",
    "HouseholdTag",
    "Leave",
    "LoginAttempt",
    "Notice",
    "Person",
    "Role",
    "Session",
    "SessionStatus",
    "Suspension",
    "User",
    "WaitlistPolicy",
    "WelfareCall",
    "SLOT_KINDS",
    "ApplicationStatus",
    "LotteryApplication",
    "PickupAttempt",
    "PickupPerson",
    "Programme",
    "ProgrammeKind",
    "ProgrammeSlot",
    "SlotKind",
]
