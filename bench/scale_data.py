"""The centres bench/scale.py measures: the demo (`flask seed-demo`), grown by
bulk inserts to a size, and the invariants the grown data keeps.

A size adds `residents` people (two in three households have an account) and a
timetable of 20 weekly classes on 40 weekly slots, booked one session at a time,
from `weeks_past` weeks ago to `weeks_ahead` weeks ahead. The timetable is the
same at every size; what grows is who books: a session has `capacity` places
(40 at M, 400 at L), a fifth of the sessions are full with people waiting, the
others between an eighth and seven eighths full, and a few bookings were
cancelled. Sessions that are over have an attendance mark for each confirmed
booking (present, late or absent, marked by the class's teacher). A booking made
at the desk or by phone (45 %) has a "booked by staff" notice and an audit entry;
every confirmed booking whose eve has passed has a reminder notice. Every fourth
session that is over had a volunteer helper (from a pool of 30, as large at every
size). The demo's teachers teach the grown classes (李老师 teaches 5 of them).

The demo's own people are the same at every size, and so is their history: 王秀英,
王建国, 张桂兰, 陈美华 and 林晓 go to two Sunday classes every week (two years of
"My bookings" at M and L alike). They are drawn from a random generator of their
own, so their pages show the same at M and at L.

Invariants (`check_invariants` counts them in the database): a session's `taken`
is its confirmed and offered bookings (and a term's on its activity); at most one
live booking per person per session (and per term); nobody waits on a session
with free places; every confirmed booking of a session that is over has a mark.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from seeding import Rows, next_ids, reset_sequences

SEED_VERSION = 1  # raise it when what is seeded changes: cached databases are rebuilt


@dataclass(frozen=True)
class Size:
    name: str
    residents: int  # 0: the demo alone
    weeks_past: int = 0
    weeks_ahead: int = 0
    capacity: int = 0  # places of a grown session


SIZES = {
    "demo": Size("demo", 0),
    "M": Size("M", 3000, weeks_past=96, weeks_ahead=8, capacity=40),
    "L": Size("L", 30000, weeks_past=96, weeks_ahead=8, capacity=400),
}
TINY = Size("tiny", 50, weeks_past=4, weeks_ahead=2, capacity=6)  # tests/test_bench_scale.py

CLASSES = 20
STARTS = (time(8), time(9, 30), time(11), time(14), time(15, 30), time(19))
LENGTH = timedelta(hours=1)
# (ISO weekday, start): 6 a day, Sunday's last four left free; slot k belongs to
# class k % 20, so each class meets twice a week on different days.
SLOTS = [(day, start) for day in range(1, 8) for start in STARTS][:40]
DEMO_SLOTS = (36, 37)  # Sunday 8:00 and 9:30: nothing of the demo's then
DEMO_REGULARS = ("王秀英", "王建国", "张桂兰", "陈美华", "林晓")
DEMO_TEACHERS = ("13900000001", "13900000002", "13900000003", "13900000004")
DESK_PHONE = "13900000009"
CATEGORIES = ("dance", "calligraphy", "smartphone", "choir", "opera", "crafts", "music")
CHANNELS = (("online", 40), ("kiosk", 15), ("desk", 25), ("phone", 20))
VOLUNTEERS = 30
PIN = "123456"  # the demo's PIN, for the grown residents too
PHONE_BASE = 15000000000


def build(app, size: Size, now: datetime) -> dict[str, int]:
    """An empty database made a centre of `size` as of `now`: the migrations (the
    real schema and indexes), `flask seed-demo`, the grown data, then statistics.
    Returns the rows the growing added per table."""
    from rush import _migrate

    from app.demo import seed_demo
    from app.extensions import db

    with app.app_context():
        _migrate(app)
        seed_demo(now)
        db.session.commit()
    added = grow(app, size, now)
    gather_statistics(app)
    return added


def grow(app, size: Size, now: datetime, seed: int = 18) -> dict[str, int]:
    """Adds `size`'s residents and timetable to the demo centre; returns the rows
    added per table."""
    if not size.residents:
        return {}
    with app.app_context():
        return _Grower(size, now, seed).run()


class _Grower:
    def __init__(self, size: Size, now: datetime, seed: int):
        from app.extensions import db

        self.db, self.size, self.now = db, size, now
        self.rng = random.Random(f"{seed}-{size.name}")
        self.regular_rng = random.Random(f"{seed}-demo-regulars")  # the same at every size

    def run(self) -> dict[str, int]:
        from app.models import (
            Activity,
            Attendance,
            AuditEntry,
            Booking,
            Household,
            HouseholdTag,
            Notice,
            Person,
            Session,
            SessionHelper,
            User,
        )

        db = self.db
        # Parents first: the order rows are written in.
        models = (
            Household,
            HouseholdTag,
            Person,
            User,
            Activity,
            Session,
            Booking,
            Attendance,
            Notice,
            AuditEntry,
            SessionHelper,
        )
        self.m = {model.__name__: model for model in models}
        self.ids = next_ids(db, models)
        self.rows = Rows(db, models)
        self._demo_people()
        self._residents()
        self._timetable()
        self._bookings()
        self.rows.flush()
        reset_sequences(db, [model.__tablename__ for model in models])
        db.session.commit()
        return {k: v for k, v in self.rows.counts.items() if v}

    def _next(self, name: str) -> int:
        model = self.m[name]
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _demo_people(self) -> None:
        from sqlalchemy import select

        from app.models import Person, User

        db = self.db
        users = dict(db.session.execute(select(User.phone, User.id)).all())
        self.staff_id = users[DESK_PHONE]
        self.teacher_ids = [users[p] for p in DEMO_TEACHERS]
        self.regulars = []  # (person id, household id, name); accounts in account_of
        self.regular_accounts = {}
        for name in DEMO_REGULARS:
            person = db.session.scalar(select(Person).where(Person.name == name))
            account = db.session.scalar(
                select(User.id)
                .join(Person, User.person_id == Person.id)
                .where(Person.household_id == person.household_id)
                .order_by(User.id)
            )
            self.regulars.append((person.id, person.household_id, name))
            self.regular_accounts[person.household_id] = account

    def _residents(self) -> None:
        from werkzeug.security import generate_password_hash

        size, rng, now = self.size, self.rng, self.now
        secret = generate_password_hash(PIN, method="pbkdf2:sha256:1000")
        households = max(1, size.residents * 2 // 3)
        created = now - timedelta(weeks=size.weeks_past + 4)
        first_household = self.ids[self.m["Household"]]
        household_ids = []
        for n in range(households):
            hid = self._next("Household")
            household_ids.append(hid)
            self.rows.add(
                self.m["Household"], {"id": hid, "name": f"居民{n + 1}家", "created_at": created}
            )
            if n % 10 == 9:
                tag = rng.choice(("独居", "高龄", "低保"))
                self.rows.add(
                    self.m["HouseholdTag"],
                    {"id": self._next("HouseholdTag"), "household_id": hid, "tag": tag},
                )
        self.people = []  # (person id, household id, name)
        self.account_of: dict[int, int] = {}  # household id → its account
        for n in range(size.residents):
            pid = self._next("Person")
            hid = household_ids[n % households]
            age = rng.randint(55, 90)
            born = date(now.year - age, rng.randint(1, 12), rng.randint(1, 28))
            self.rows.add(
                self.m["Person"],
                {
                    "id": pid,
                    "household_id": hid,
                    "name": f"居民{n + 1}",
                    "birth_date": born,
                    "created_at": created,
                },
            )
            self.people.append((pid, hid, f"居民{n + 1}"))
            if hid not in self.account_of:  # the household's first member has the account
                uid = self._next("User")
                self.account_of[hid] = uid
                self.rows.add(
                    self.m["User"],
                    {
                        "id": uid,
                        "person_id": pid,
                        "phone": str(PHONE_BASE + hid - first_household + 1),
                        "role": "resident",
                        "secret_hash": secret,
                        "created_at": created,
                    },
                )
        self.account_of.update(self.regular_accounts)
        self.volunteers = list(self.account_of.values())[:VOLUNTEERS]

    def _timetable(self) -> None:
        from app.timeutil import from_local, local_date

        size, now = self.size, self.now
        created = now - timedelta(weeks=size.weeks_past + 4)
        self.classes = []  # (activity id, title, title_en, teacher user id)
        for k in range(CLASSES):
            aid = self._next("Activity")
            category = CATEGORIES[k % len(CATEGORIES)]
            title, title_en = f"社区兴趣班{k + 1:02d}", f"Community class {k + 1:02d}"
            teacher = self.teacher_ids[k % len(self.teacher_ids)]
            self.classes.append((aid, title, title_en, teacher))
            self.rows.add(
                self.m["Activity"],
                {
                    "id": aid,
                    "title": title,
                    "title_en": title_en,
                    "description": "居民自发组织的每周兴趣班。",
                    "category": category,
                    "audience": "all",
                    "teacher_id": teacher,
                    "room": f"活动室{k % 4 + 1}",
                    "capacity": size.capacity,  # the rest as the model's defaults:
                    "created_at": created,  # one session at a time, first come first served
                },
            )
        today = local_date(now)
        monday = today - timedelta(days=today.weekday())
        self.sessions = []  # (session id, slot index, class, starts_at UTC)
        for week in range(-size.weeks_past, size.weeks_ahead):
            for index, (weekday, start) in enumerate(SLOTS):
                day = monday + timedelta(weeks=week, days=weekday - 1)
                starts = from_local(datetime.combine(day, start))
                self.sessions.append(
                    (self._next("Session"), index, self.classes[index % CLASSES], starts)
                )

    def _bookings(self) -> None:
        size, rng = self.size, self.rng
        cap = size.capacity
        channels = [c for c, _w in CHANNELS]
        weights = [w for _c, w in CHANNELS]
        crowd = self.people
        for sid, index, klass, starts in self.sessions:
            regulars = self.regulars if index in DEMO_SLOTS else []
            full = rng.random() < 0.2
            confirmed = cap if full else rng.randint(cap // 8, cap * 7 // 8)
            confirmed = max(confirmed, min(cap, len(regulars)))  # the regulars always come
            waiting = max(1, cap // 8) if full else 0
            cancelled = rng.randint(0, max(1, cap // 20))
            mine = max(0, confirmed - len(regulars))
            chosen = rng.sample(crowd, mine + waiting + cancelled)
            taken = min(confirmed, mine + len(regulars))
            self.rows.add(
                self.m["Session"],
                {
                    "id": sid,
                    "activity_id": klass[0],
                    "starts_at": starts,
                    "ends_at": starts + LENGTH,
                    "capacity": cap,
                    "taken": taken,
                    "status": "scheduled",
                },
            )
            over = starts + LENGTH <= self.now
            for person in regulars[:confirmed]:
                self._booking(sid, klass, starts, person, "confirmed", "online", over, 0, True)
            for k, person in enumerate(chosen):
                status = "confirmed" if k < mine else "waitlisted" if k < mine + waiting else None
                channel = rng.choices(channels, weights)[0]
                self._booking(sid, klass, starts, person, status, channel, over, k, False)
            if over and index % 4 == 0:
                self.rows.add(
                    self.m["SessionHelper"],
                    {
                        "session_id": sid,
                        "user_id": self.volunteers[sid % len(self.volunteers)],
                        "added_by_id": klass[3],
                        "created_at": starts,
                    },
                )

    def _booking(self, sid, klass, starts, person, status, channel, over, k, regular):
        """One booking (status None: cancelled) of `person` (id, household id, name),
        with its mark, notices and audit entry."""
        pid, hid, name = person
        rng = self.rng if not regular else self.regular_rng
        bid = self._next("Booking")
        created = starts - timedelta(days=rng.randint(2, 12), minutes=k)
        staff = channel in ("desk", "phone")
        account = self.account_of.get(hid)
        booker = self.staff_id if staff else account
        self.rows.add(
            self.m["Booking"],
            {
                "id": bid,
                "person_id": pid,
                "household_id": hid,
                "activity_id": klass[0],
                "session_id": sid,
                "status": status or "cancelled",
                "channel": channel,
                "booked_by_id": booker,
                "created_at": created,
                "queued_at": created,
                "confirmed_at": created if status == "confirmed" else None,
                "cancelled_at": None if status else created + timedelta(hours=20),
                "cancelled_by_id": None if status else account,
                "late_cancel": False,
            },
        )
        params = {
            "person": name,
            "activity_id": klass[0],
            "title": klass[1],
            "title_en": klass[2],
            "starts_at": starts.isoformat(),
            "series": False,
        }
        if staff and status:
            kind = "booked_by_staff" if status == "confirmed" else "waitlisted_by_staff"
            self._notice(account, kind, params, bid, created)
            self.rows.add(
                self.m["AuditEntry"],
                {
                    "id": self._next("AuditEntry"),
                    "actor_id": self.staff_id,
                    "action": "booking.on_behalf",
                    "subject_type": "booking",
                    "subject_id": bid,
                    "after": {
                        "person": params["person"],
                        "activity": klass[1],
                        "session_id": sid,
                        "status": status,
                        "channel": channel,
                    },
                    "created_at": created,
                },
            )
        if status == "confirmed" and starts - timedelta(days=1) <= self.now:
            self._notice(account, "reminder", params, bid, starts - timedelta(days=1))
        if status == "confirmed" and over:
            roll = rng.random()
            mark = "present" if roll < 0.82 else "late" if roll < 0.88 else "absent"
            self.rows.add(
                self.m["Attendance"],
                {
                    "id": self._next("Attendance"),
                    "session_id": sid,
                    "person_id": pid,
                    "booking_id": bid,
                    "status": mark,
                    "checked_in_at": starts if mark != "absent" else None,
                    "marked_by_id": klass[3],
                    "marked_at": starts + LENGTH,
                },
            )

    def _notice(self, user_id, kind, params, booking_id, when) -> None:
        if user_id is None:
            return
        self.rows.add(
            self.m["Notice"],
            {
                "id": self._next("Notice"),
                "user_id": user_id,
                "kind": kind,
                "params": params,
                "booking_id": booking_id,
                "created_at": when,
                "read_at": when + timedelta(hours=5)
                if when < self.now - timedelta(days=7)
                else None,
            },
        )


def gather_statistics(app) -> None:
    """The planner's statistics of a centre in use: SQLite's as the app's daily
    `optimize` job gathers them, PostgreSQL's as autovacuum would (ANALYZE)."""
    from sqlalchemy import text

    from app.extensions import db
    from app.services.statistics import refresh_statistics

    with app.app_context():
        if not refresh_statistics():
            db.session.execute(text("ANALYZE"))
        db.session.commit()


INVARIANTS = {
    "session_taken": """
        SELECT count(*) FROM activity_session s
        WHERE s.taken <> (SELECT count(*) FROM booking b WHERE b.session_id = s.id
                          AND b.status IN ('confirmed', 'offered'))""",
    "term_taken": """
        SELECT count(*) FROM activity a
        WHERE a.enrolment_unit = 'series' AND a.taken <> (
            SELECT count(*) FROM booking b WHERE b.activity_id = a.id
            AND b.session_id IS NULL AND b.status IN ('confirmed', 'offered'))""",
    "two_live_on_a_session": """
        SELECT count(*) FROM (SELECT person_id, session_id FROM booking
            WHERE session_id IS NOT NULL AND status IN ('confirmed', 'waitlisted', 'offered')
            GROUP BY person_id, session_id HAVING count(*) > 1) d""",
    "two_live_on_a_term": """
        SELECT count(*) FROM (SELECT person_id, activity_id FROM booking
            WHERE session_id IS NULL AND status IN ('confirmed', 'waitlisted', 'offered')
            GROUP BY person_id, activity_id HAVING count(*) > 1) d""",
    "waiting_with_free_places": """
        SELECT count(*) FROM activity_session s JOIN activity a ON a.id = s.activity_id
        WHERE a.enrolment_unit = 'session' AND s.taken < s.capacity AND EXISTS (
            SELECT 1 FROM booking b WHERE b.session_id = s.id AND b.status = 'waitlisted')""",
    "unmarked_past_bookings": """
        SELECT count(*) FROM booking b JOIN activity_session s ON s.id = b.session_id
        WHERE b.status = 'confirmed' AND s.ends_at <= :now AND NOT EXISTS (
            SELECT 1 FROM attendance m
            WHERE m.session_id = b.session_id AND m.person_id = b.person_id)""",
}


def check_invariants(app, now: datetime) -> dict[str, int]:
    """How many rows break each invariant (all 0 when the data is sound); `now`:
    the moment the centre was seeded at (sessions over by then have marks)."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        found = {
            name: db.session.scalar(text(sql), {"now": now}) for name, sql in INVARIANTS.items()
        }
        db.session.remove()
    return found


COUNTED = ("person", "user", "activity_session", "booking", "attendance", "notice", "audit_entry")


def table_counts(app) -> dict[str, int]:
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        counts = {t: db.session.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in COUNTED}
        db.session.remove()
    return counts
