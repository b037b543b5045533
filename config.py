"""Configuration from the environment.

`DATABASE_URL` selects the store: SQLite under instance/ by default, PostgreSQL
(`postgresql+psycopg://…`) in production. `SECRET_KEY` is required outside
development and tests.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _normalise_db_url(url: str) -> str:
    # Operators paste plain postgres URLs; we always talk psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'zhaoxi.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A server connection idle this long is pinged before use (app/database.py).
    DB_PING_AFTER_IDLE = float(os.environ.get("DB_PING_AFTER_IDLE", "10"))
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    # The service report page keeps a period's figures this many seconds in each
    # worker (it says when it counted them, and "count again" counts now); 0 counts
    # on every view. The printout and the downloads always count now.
    REPORT_KEEP_SECONDS = float(os.environ.get("REPORT_KEEP_SECONDS", "300"))
    # The centre's name on the printed service report; unset, the app's own name.
    CENTRE_NAME = os.environ.get("CENTRE_NAME") or None
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = ("zh_CN", "en")
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Residents who tick "stay logged in" on their own device (never at the kiosk).
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "30")))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Teachers and staff are logged out this long after logging in, or after this
    # long without a request (app/sessions.py).
    STAFF_SESSION_HOURS = float(os.environ.get("STAFF_SESSION_HOURS", "12"))
    STAFF_IDLE_MINUTES = float(os.environ.get("STAFF_IDLE_MINUTES", "30"))
    # Strict-Transport-Security: only where the site is served over HTTPS.
    HSTS_ENABLED = False
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    # Redis: the login limits' storage, shared by every worker and instance;
    # /readyz checks that it answers when set.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # How many proxies in front of the app add X-Forwarded-For/-Proto (nginx: 1).
    # 0 ignores those headers, which any client can write; more than the real
    # number lets a client choose the address the limits see.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    # One JSON line per request and the app's errors as JSON on stderr
    # (app/observability.py); the production units set it.
    JSON_LOGS = _env_bool("JSON_LOGS", False)
    # /metrics answers the server itself (loopback) and, when this is set, whoever
    # sends "Authorization: Bearer <METRICS_TOKEN>".
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # Rate limits of the login forms (site and kiosk), in Flask-Limiter's notation.
    # Per client address, every attempt: a centre's Wi-Fi (one address for everyone)
    # sees ~80 logins in the minute before opening; this bounds the hashing one
    # client can ask for to 2 a second.
    LOGIN_LIMITS_PER_ADDRESS = "120 per minute"
    # Per client address, wrong tries only: a family or the kiosk mistypes a few
    # times a day; one address trying PINs on many numbers gets 300 guesses a day.
    LOGIN_FAILURE_LIMITS_PER_ADDRESS = "30 per minute; 300 per day"
    # Per phone number, every attempt from anywhere: nobody logs in ten times a
    # minute; guessing one number from many addresses is cut off before hashing.
    LOGIN_LIMITS_PER_PHONE = "10 per minute"
    # Lockout per (phone number, client address): after SLOW_AFTER wrong tries each
    # further try waits; LOCK_AFTER wrong tries lock the pair for the first of
    # LOCK_MINUTES, and every further wrong try (the count only restarts after a
    # success) locks it for the next, staying at the last. A pair that was locked
    # keeps its level until staff unlock the number or reset the PIN at the desk (a
    # success clears only the count); a pair that never locked is forgotten after
    # FORGET_DAYS days without a wrong try, so the table does not grow for ever.
    LOGIN_SLOW_AFTER = 3
    LOGIN_LOCK_AFTER = 6
    LOGIN_LOCK_MINUTES = (15, 60, 24 * 60)
    LOGIN_FORGET_DAYS = int(os.environ.get("LOGIN_FORGET_DAYS", "30"))
    # Wrong tries per phone number per local day, from all addresses together:
    # beyond this the number is locked everywhere until the next day, and staff see
    # it on the desk's list of locked accounts.
    LOGIN_DAILY_CAP_PER_PHONE = int(os.environ.get("LOGIN_DAILY_CAP_PER_PHONE", "20"))
    PASSWORD_HASH_METHOD = "scrypt"
    # Pickup codes are stored as HMAC-SHA256 under this key; unset, a key derived
    # from SECRET_KEY (so changing SECRET_KEY invalidates every pickup code).
    PICKUP_CODE_KEY = os.environ.get("PICKUP_CODE_KEY")
    # Changing a child's pickup list needs the PIN/password entered this recently.
    REAUTH_MINUTES = 5
    # A frozen clock for tests and demos (naive UTC datetime); None means real time.
    FROZEN_NOW = None
    # Attendance (issue 3). A confirmed person not marked by NO_SHOW_GRACE_MINUTES
    # after a session ends is a no-show; NO_SHOW_LIMIT no-shows within
    # NO_SHOW_WINDOW_DAYS pause online booking for SUSPENSION_DAYS. Teachers may
    # correct a roster for ATTENDANCE_CORRECTION_DAYS after the session (staff always).
    # The kiosk opens check-in CHECK_IN_OPENS_MINUTES before a session starts.
    NO_SHOW_GRACE_MINUTES = int(os.environ.get("NO_SHOW_GRACE_MINUTES", "30"))
    NO_SHOW_LIMIT = int(os.environ.get("NO_SHOW_LIMIT", "3"))
    NO_SHOW_WINDOW_DAYS = int(os.environ.get("NO_SHOW_WINDOW_DAYS", "60"))
    SUSPENSION_DAYS = int(os.environ.get("SUSPENSION_DAYS", "14"))
    ATTENDANCE_CORRECTION_DAYS = int(os.environ.get("ATTENDANCE_CORRECTION_DAYS", "7"))
    CHECK_IN_OPENS_MINUTES = int(os.environ.get("CHECK_IN_OPENS_MINUTES", "60"))
    # Residents see and book classes and events up to BOOKING_HORIZON_DAYS ahead
    # (the class list week by week, the coming events); staff at the desk, and a
    # childcare programme's own window, are not bound by it.
    BOOKING_HORIZON_DAYS = int(os.environ.get("BOOKING_HORIZON_DAYS", "60"))
    # Offers of a freed seat (waitlist policy "offer"): held OFFER_LONG_HOURS when
    # the class is at least OFFER_LONG_BEFORE_HOURS away, OFFER_SHORT_HOURS when at
    # least OFFER_NONE_WITHIN_HOURS away; closer than that there is no time to ask
    # and the next person is confirmed at once. The hold clock stops during quiet
    # hours, so no deadline falls at night.
    OFFER_LONG_HOURS = 24
    OFFER_LONG_BEFORE_HOURS = 48
    OFFER_SHORT_HOURS = 2
    OFFER_NONE_WITHIN_HOURS = 6
    OFFER_MIN_MARGIN_HOURS = 1
    QUIET_HOURS = (os.environ.get("QUIET_START", "22:00"), os.environ.get("QUIET_END", "07:00"))
    # Notifications outside the app: email when MAIL_SERVER is set and the user has
    # an address, SMS when SMS_ADAPTER ("module:Class") is set, else the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "zhaoxi@localhost")
    SMS_ADAPTER = os.environ.get("SMS_ADAPTER")
    OUTBOX_MAX_ATTEMPTS = 3
    # Privacy (issue 14). The notice at /privacy states these; the `retention` job
    # (app/services/privacy/retention.py) erases or anonymises after them. Care notes go RETENTION_CARE_NOTES_DAYS
    # after the child's last booked session; people with no activity for
    # RETENTION_INACTIVE_MONTHS are anonymised; sent outbox messages, login attempts,
    # access records ("who saw my child's data") and the audit log are kept so long.
    RETENTION_CARE_NOTES_DAYS = int(os.environ.get("RETENTION_CARE_NOTES_DAYS", "30"))
    RETENTION_INACTIVE_MONTHS = int(os.environ.get("RETENTION_INACTIVE_MONTHS", "24"))
    RETENTION_OUTBOX_DAYS = int(os.environ.get("RETENTION_OUTBOX_DAYS", "90"))
    RETENTION_LOGIN_ATTEMPTS_DAYS = int(os.environ.get("RETENTION_LOGIN_ATTEMPTS_DAYS", "30"))
    RETENTION_ACCESS_RECORDS_YEARS = int(os.environ.get("RETENTION_ACCESS_RECORDS_YEARS", "3"))
    RETENTION_AUDIT_YEARS = int(os.environ.get("RETENTION_AUDIT_YEARS", "3"))
    # The version of the privacy notice (/privacy) that each guardian's consent records.
    PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2026-12")
    # Python serves .js as text/javascript.
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "image/svg+xml",
    ]


class DevelopmentConfig(Config):
    DEBUG = True
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-not-secret"
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    RATELIMIT_ENABLED = False
    REDIS_URL = None
    RATELIMIT_STORAGE_URI = "memory://"
    JSON_LOGS = False
    METRICS_TOKEN = None
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    REPORT_KEEP_SECONDS = 0.0  # every test counts what it wrote


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS_ENABLED = _env_bool("HSTS_ENABLED", True)
    # Counting limits in each worker's memory lets N workers allow N times the limit.
    WARN_LIMITS_IN_MEMORY = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("ZHAOXI_ENV", "production")]
