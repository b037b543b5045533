"""A believable week at the centre, for `flask seed-demo` and `make run`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from app.demo_history import TermClass, seed_history
from app.demo_now import seed_now
from app.extensions import db
from app.models import Audience, CapacityUnit, EnrolmentUnit, Role, User
from app.services.people.residents import add_person, create_household, create_user
from app.services.privacy.consent import record_for_children
from app.services.schedule.activities import create_activity
from app.services.schedule.sessions import add_session, generate_weekly
from app.timeutil import from_local, local_date

DEMO_PIN = "123456"
DEMO_PASSWORD = "zhaoxi-demo"

# (phone, role, what to tell the reader)
LOGINS = [
    ("13800000001", Role.RESIDENT, "王秀英 — elder, books for herself and her husband (PIN)"),
    ("13800000002", Role.RESIDENT, "林晓 — parent of two children (PIN)"),
    ("13800000003", Role.RESIDENT, "张桂兰 — 88, lives alone (PIN)"),
    ("13800000004", Role.RESIDENT, "陈美华 — grandmother with a grandchild (PIN)"),
    ("13900000001", Role.TEACHER, "李老师 — dance teacher (password)"),
    ("13900000002", Role.TEACHER, "王老师 — calligraphy teacher (password)"),
    ("13900000003", Role.TEACHER, "陈老师 — choir, Yue opera and guzheng teacher (password)"),
    ("13900000004", Role.TEACHER, "张老师 — smartphone class teacher (password)"),
    ("13900000005", Role.TEACHER, "刘同学 — after-school club and holiday childcare (password)"),
    ("13900000009", Role.STAFF, "赵社工 — social worker at the desk (password)"),
    ("13900000010", Role.ADMIN, "管理员 — administrator (password)"),
]


def demo_logins() -> list[str]:
    lines = []
    for phone, role, who in LOGINS:
        secret = DEMO_PIN if role == Role.RESIDENT else DEMO_PASSWORD
        lines.append(f"  {phone}  {secret:<12} {role:<9} {who}")
    return lines


def seed_demo(now: datetime, pickup_codes: list[str] | None = None) -> bool:
    """Fills an empty database; returns False (and adds nothing) if already seeded.
    The pickup codes issued are appended to `pickup_codes` (shown once, at seeding)."""
    if db.session.scalar(select(User).where(User.phone == LOGINS[0][0])) is not None:
        return False
    method = current_app.config["PASSWORD_HASH_METHOD"]

    def account(person, phone, role=Role.RESIDENT):
        secret = DEMO_PIN if role == Role.RESIDENT else DEMO_PASSWORD
        return create_user(
            person, phone=phone, secret=secret, role=role, now=now, hash_method=method
        )

    wang = create_household("王家", now=now, tags=("高龄",))
    xiuying = add_person(wang, "王秀英", now=now, birth_date=date(1950, 3, 12), phone="13800000001")
    add_person(wang, "王建国", now=now, birth_date=date(1946, 8, 2))
    account(xiuying, "13800000001")

    lin = create_household("林家", now=now)
    xiao = add_person(lin, "林晓", now=now, birth_date=date(1988, 5, 20), phone="13800000002")
    xiaoyu = add_person(lin, "林小雨", now=now, birth_date=date(2016, 9, 1), care_notes="花生过敏")
    xiaole = add_person(lin, "林小乐", now=now, birth_date=date(2019, 2, 14))
    lin_account = account(xiao, "13800000002")

    zhang = create_household("张家", now=now, tags=("独居", "高龄"))
    guilan = add_person(
        zhang, "张桂兰", now=now, birth_date=date(1938, 11, 30), phone="13800000003"
    )
    account(guilan, "13800000003")

    chen = create_household("陈家", now=now, tags=("留守儿童",))
    meihua = add_person(chen, "陈美华", now=now, birth_date=date(1958, 7, 7), phone="13800000004")
    duoduo = add_person(chen, "陈朵朵", now=now, birth_date=date(2017, 4, 18))
    chen_account = account(meihua, "13800000004")

    # Each teacher and staff member is their own household: a household is a
    # family, and its members see and act for one another.
    teachers = {}
    staff_logins = [(phone, role, who.split(" — ")[0]) for phone, role, who in LOGINS[4:]]
    for phone, role, name in staff_logins:
        person = add_person(create_household(name, now=now), name, now=now, phone=phone)
        teachers[name] = account(person, phone, role)

    today = local_date(now)
    monday = today - timedelta(days=today.weekday())
    term_start, term_end = monday - timedelta(weeks=4), monday + timedelta(weeks=8, days=6)
    terms: list[TermClass] = []

    def term_class(
        title,
        title_en,
        category,
        weekdays,
        start,
        end,
        capacity,
        room,
        teacher,
        description,
        audience=Audience.ELDER,
    ):
        activity = create_activity(
            now=now,
            title=title,
            title_en=title_en,
            category=category,
            audience=audience,
            capacity=capacity,
            room=room,
            teacher_id=teachers[teacher].id,
            enrolment_unit=EnrolmentUnit.SERIES,
            description=description,
        )
        generate_weekly(
            activity,
            first_day=term_start,
            last_day=term_end,
            weekdays=weekdays,
            start=start,
            end=end,
        )
        terms.append(TermClass(activity, weekdays, start, end))
        return activity

    term_class(
        "银龄风采中国舞",
        "Silver-age Chinese dance",
        "dance",
        (2, 4),
        time(9),
        time(10, 30),
        20,
        "多功能厅",
        "李老师",
        "优美舒展的中国古典舞与民族舞，适合零基础长者。",
    )
    term_class(
        "书法班",
        "Calligraphy",
        "calligraphy",
        (3,),
        time(9, 30),
        time(11),
        15,
        "书画室",
        "王老师",
        "从楷书入门，笔墨纸砚由中心提供。",
    )
    term_class(
        "合唱团",
        "Choir",
        "choir",
        (5,),
        time(9, 30),
        time(11),
        30,
        "多功能厅",
        "陈老师",
        "一起唱经典老歌，排练社区演出。",
    )
    term_class(
        "越剧班",
        "Yue opera",
        "opera",
        (2,),
        time(13, 30),
        time(15),
        16,
        "活动室二",
        "陈老师",
        "越剧唱段与身段入门。",
    )
    term_class(
        "古筝",
        "Guzheng",
        "music",
        (4,),
        time(14, 30),
        time(16),
        8,
        "音乐室",
        "陈老师",
        "古筝基础指法与名曲练习，中心备有古筝。",
    )
    term_class(
        "太极扇",
        "Tai chi fan",
        "fitness",
        (1, 3),
        time(8),
        time(9),
        25,
        "中心广场",
        "李老师",
        "舒缓强身，雨天改在多功能厅。",
    )

    phone_class = create_activity(
        now=now,
        title="智能手机课堂",
        title_en="Smartphone class",
        category="smartphone",
        audience=Audience.ELDER,
        capacity=12,
        room="电脑室",
        teacher_id=teachers["张老师"].id,
        description="手机支付、视频通话、防范电信诈骗，一次一个主题，自带手机。",
    )
    generate_weekly(
        phone_class,
        first_day=monday,
        last_day=monday + timedelta(weeks=3, days=6),
        weekdays=(1, 5),
        start=time(14, 30),
        end=time(16),
    )

    papercut = create_activity(
        now=now,
        title="剪纸",
        title_en="Paper-cutting",
        category="crafts",
        audience=Audience.ALL,
        capacity=16,
        room="活动室一",
        teacher_id=teachers["王老师"].id,
        description="传统剪纸，老少皆宜；8岁以下儿童请家长陪同。",
        min_age=6,
    )
    generate_weekly(
        papercut,
        first_day=monday,
        last_day=monday + timedelta(weeks=3, days=6),
        weekdays=(6,),
        start=time(9, 30),
        end=time(11),
    )

    def event(
        title,
        title_en,
        day_offset,
        start,
        end,
        capacity,
        room,
        audience=Audience.ALL,
        description="",
        **extra,
    ):
        activity = create_activity(
            now=now,
            title=title,
            title_en=title_en,
            category="event",
            audience=audience,
            capacity=capacity,
            room=room,
            description=description,
            **extra,
        )
        day = monday + timedelta(days=day_offset)
        add_session(
            activity,
            from_local(datetime.combine(day, start)),
            from_local(datetime.combine(day, end)),
        )
        return activity

    event(
        "集体生日会",
        "Monthly birthday party",
        5,
        time(14),
        time(16),
        40,
        "多功能厅",
        description="为本月生日的居民庆生，有长寿面和节目。",
    )
    event(
        "写春联",
        "Writing spring couplets",
        12,
        time(9, 30),
        time(11, 30),
        30,
        "书画室",
        description="长者和孩子一起写春联、送祝福。",
    )
    event(
        "亲子竹编风铃",
        "Parent-child bamboo wind chimes",
        6,
        time(14, 30),
        time(16),
        22,
        "活动室一",
        audience=Audience.FAMILY,
        capacity_unit=CapacityUnit.HOUSEHOLD,
        description="一个家庭一份材料，名额按家庭计算。",
    )
    event(
        "安全童行",
        "Safe kids workshop",
        13,
        time(10),
        time(11, 30),
        25,
        "活动室二",
        audience=Audience.CHILD,
        min_age=6,
        max_age=12,
        description="交通、防溺水与防拐骗安全课。",
    )
    event(
        "防诈骗讲座",
        "Avoiding scams",
        3,
        time(10),
        time(11),
        60,
        "多功能厅",
        audience=Audience.ELDER,
        description="派出所民警讲解最新电信诈骗手法。",
    )
    event(
        "健康义诊",
        "Free health check",
        9,
        time(8, 30),
        time(11),
        50,
        "医务室",
        description="测血压、血糖，社区医生答疑。",
    )
    # The demo's families agreed at the desk to keeping their children's records
    # and care notes (docs: a real centre records each guardian's consent).
    record_for_children([xiaoyu, xiaole, duoduo], now=now, by=teachers["赵社工"])
    from app.demo_programmes import seed_programmes

    codes = seed_programmes(
        now,
        staff=teachers["赵社工"],
        teacher=teachers["刘同学"],
        guardians=[(lin_account, [xiaoyu, xiaole]), (chen_account, [duoduo])],
    )
    if pickup_codes is not None:
        pickup_codes.extend(codes)
    seed_history(
        now, classes=terms, first_day=term_start, staff=teachers["赵社工"], volunteer=chen_account
    )
    seed_now(now, teacher=teachers["李老师"], desk=teachers["赵社工"])
    return True
