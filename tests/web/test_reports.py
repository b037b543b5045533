"""The report pages: what staff and teachers see, the charts as SVG images, the
workbook, CSV and the printout, who is refused, and that no inline script needs
to run (the site's Content-Security-Policy allows none)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, time

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import Attendance, Role
from tests.conftest import PIN
from tests.report_helpers import seed_october

OCTOBER = "kind=month&month=2026-10"


@pytest.fixture
def october(make):
    world = seed_october(make)
    make.commit()
    return world


# CSRF tokens (the log-out button's, htmx's) carry a timestamp.
CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]*"|"X-CSRFToken": "[^"]*"')


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return CSRF.sub("", response.get_data(as_text=True))


def _figures(html: str) -> dict[str, str]:
    """The page's headline figures: label → value as shown."""
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="num figure-value">([^<]+)</td>', html
    )
    return dict(rows)


def test_a_month_typed_in_full_width_digits_is_that_month(client, auth, october):
    auth.login(october.staff)
    full_width = _page(client, "/staff/reports?kind=month&month=２０２６-１０")
    assert "2026年10月" in full_width
    assert _figures(full_width) == _figures(_page(client, f"/staff/reports?{OCTOBER}"))
    assert _figures(full_width)["服务人次"] == "16"


def test_staff_see_last_month_by_default(client, auth, october):
    auth.login(october.staff)
    client.get("/classes")  # the welcome message is shown once
    html = _page(client, "/staff/reports")
    assert "2026年10月" in html
    figures = _figures(html)
    assert figures["服务人次"] == "16"
    assert figures["服务人数"] == "7"
    assert figures["开展活动场次"] == "8"
    assert figures["到课率"] == "92.9%"
    assert figures["满意度"] == "50.0%"
    assert "合唱团" in html and "书法班" in html
    assert html == _page(client, f"/staff/reports?{OCTOBER}")


def test_a_teacher_sees_only_their_classes(client, auth, october):
    auth.login(october.teacher_a)
    html = _page(client, f"/staff/reports?{OCTOBER}")
    figures = _figures(html)
    assert (figures["服务人次"], figures["服务人数"], figures["开展活动场次"]) == ("10", "5", "5")
    assert "合唱团" not in html  # teacher B's choir
    assert "老一" not in html  # remarks without names
    assert "太吵" in html
    auth.logout()
    auth.login(october.teacher_b)
    html = _page(client, f"/staff/reports?{OCTOBER}")
    assert "合唱团" in html and "书法班" not in html


@pytest.mark.parametrize(
    "query",
    [
        "kind=quarter&quarter=2026-Q4",
        "kind=year&year=2026",
        "kind=range&first=2026-10-01&last=2026-10-31",
        # Digits typed on a Chinese keyboard count like any others.
        "kind=quarter&quarter=２０２６-Ｑ４",
        "kind=range&first=２０２６-１０-０１&last=２０２６-１０-３１",
    ],
)
def test_other_periods(client, auth, october, query):
    auth.login(october.staff)
    figures = _figures(_page(client, f"/staff/reports?{query}"))
    expected = "18" if "year" in query or "quarter" in query else "16"
    if "quarter" in query:
        expected = "17"  # October and November's early event
    assert figures["服务人次"] == expected


@pytest.mark.parametrize(
    "query",
    [
        "kind=month&month=2026-13",
        "kind=month",
        "kind=quarter&quarter=2026-Q5",
        "kind=year&year=1066",
        "kind=range&first=2026-10-31&last=2026-10-01",
        "kind=range&first=2020-01-01&last=2026-01-01",
        "kind=week",
    ],
)
def test_a_period_that_cannot_be_is_refused(client, auth, october, query):
    auth.login(october.staff)
    response = client.get(f"/staff/reports?{query}")
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    for url in ("/staff/reports/export.xlsx", "/staff/reports/chart/months.svg"):
        assert client.get(f"{url}?{query}").status_code == 422


def test_the_page_needs_no_inline_script_or_style(client, auth, october):
    auth.login(october.staff)
    response = client.get(f"/staff/reports?{OCTOBER}")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html and re.search(r"\son[a-z]+=", html) is None
    charts = re.findall(r'<img src="(/staff/reports/chart/[^"]+)"', html)
    assert len(charts) == 3
    for url in charts:
        svg = client.get(url.replace("&amp;", "&"))
        assert svg.status_code == 200
        assert svg.mimetype == "image/svg+xml"
        body = svg.get_data(as_text=True)
        assert "<svg" in body and "<script" not in body
        assert re.search(r"<script[^>]*src=.http", body) is None
        assert "script-src" not in svg.headers["Content-Security-Policy"]
        assert "default-src 'none'" in svg.headers["Content-Security-Policy"]
    assert "10月" in client.get(f"/staff/reports/chart/months.svg?{OCTOBER}").get_data(as_text=True)


def test_the_workbook_matches_the_page(client, auth, october):
    auth.login(october.staff)
    shown = _figures(_page(client, f"/staff/reports?{OCTOBER}"))
    response = client.get(f"/staff/reports/export.xlsx?{OCTOBER}")
    assert response.status_code == 200
    assert "zhaoxi-report-2026-10-all.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    summary = book.worksheets[0]
    assert summary["A2"].value == "2026年10月"
    assert summary.freeze_panes == "A5"
    written = {}
    for label, value, _hint in summary.iter_rows(min_row=5, max_col=3, values_only=True):
        if label and value is not None:
            written[label] = value
    assert written["服务人次"] == 16 and isinstance(written["服务人次"], int)
    assert written["到课率"] == pytest.approx(13 / 14)
    # Every figure on the page is in the summary, with the same value.
    for label, value in shown.items():
        number = written[label]
        if value.endswith("%"):
            assert f"{number * 100:.1f}%" == value, label
        else:
            assert f"{number:g}" == value, label
    assert len(written) == len(shown)
    assert book.sheetnames[0] == "汇总"
    assert book.sheetnames[-1] == "场次台账"
    ledger = book["场次台账"]
    assert ledger.freeze_panes == "A2"
    first = [cell.value for cell in ledger[2]]
    assert first[0].date() == date(2026, 10, 6) and ledger.cell(2, 1).is_date
    assert first[1] == time(7, 0)
    assert first[3] == "书法班"
    assert first[6:] == [2, 3, 0, 0, 0, 1]
    assert ledger.max_row == 1 + 8
    assert ledger.column_dimensions["D"].width >= 8


def test_csv_tables_escape_formulas(client, auth, october):
    october.activities["event"].title = "=HYPERLINK(1)"
    db.session.commit()
    auth.login(october.staff)
    response = client.get(f"/staff/reports/csv/activity.csv?{OCTOBER}")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["课程", "服务人次", "服务人数"]
    assert ["'=HYPERLINK(1)", "2", "2"] in rows
    summary = client.get(f"/staff/reports/csv/summary.csv?{OCTOBER}").get_data(as_text=True)
    assert "到课率,92.9%" in summary
    ledger = client.get(f"/staff/reports/csv/ledger.csv?{OCTOBER}").get_data(as_text=True)
    assert "2026-10-06,07:00,08:30,书法班" in ledger
    assert client.get(f"/staff/reports/csv/nothing.csv?{OCTOBER}").status_code == 404


def test_the_printable_report(client, auth, october):
    auth.login(october.staff)
    html = _page(client, f"/staff/reports/print?{OCTOBER}")
    assert "朝夕社区服务中心" in html and "2026年10月" in html
    assert html.count('class="print-page"') >= 5
    assert "填表人" in html and "审核人" in html
    assert html.count('class="sign-line') == 4
    assert len(re.findall(r'<img src="/staff/reports/chart/', html)) == 3
    assert 'class="site-header"' not in html


def test_the_centre_name_can_be_set(client, auth, october, app):
    app.config["CENTRE_NAME"] = "幸福里社区服务中心"
    auth.login(october.staff)
    assert "幸福里社区服务中心" in _page(client, f"/staff/reports/print?{OCTOBER}")


def test_in_english(client, auth, october):
    auth.login(october.staff)
    html = _page(client, f"/staff/reports?{OCTOBER}&lang=en")
    assert "October 2026" in html
    assert _figures(html)["Visits (服务人次)"] == "16"
    assert "Calligraphy" in html


def test_residents_kiosk_visitors_and_strangers_are_refused(app, client, auth, october, make):
    resident = make.user(age=70)
    make.commit()
    assert client.get("/staff/reports").status_code == 302  # to the login page
    auth.login(resident)
    for url in ("/staff/reports", "/staff/reports/export.xlsx", "/staff/reports/chart/ages.svg"):
        assert client.get(url).status_code == 403
    kiosk = app.test_client()
    assert kiosk.post("/kiosk/login", data={"who": resident.phone, "pin": PIN}).status_code in (
        302,
        303,
    )
    answer = kiosk.get("/staff/reports")
    assert answer.status_code in (302, 303) and "/kiosk" in answer.headers["Location"]


def test_the_menu_links_to_the_reports_for_teachers_and_staff(client, auth, make):
    teacher = make.user(role=Role.TEACHER, age=40)
    resident = make.user(age=70)
    make.commit()
    auth.login(teacher)
    assert 'href="/staff/reports"' in _page(client, "/classes")
    auth.logout()
    auth.login(resident)
    assert 'href="/staff/reports"' not in _page(client, "/classes")


def test_last_months_report_from_the_demo(app, client, now):
    from app.demo import DEMO_PASSWORD, seed_demo

    assert seed_demo(now)
    db.session.commit()
    assert (
        client.post("/login", data={"phone": "13900000009", "secret": DEMO_PASSWORD}).status_code
        == 302
    )
    client.get("/classes")
    figures = _figures(_page(client, "/staff/reports"))
    assert int(figures["服务人次"]) > 100 and int(figures["服务人数"]) > 10
    assert figures["满意度"].endswith("%")
    book = load_workbook(
        io.BytesIO(client.get("/staff/reports/export.xlsx?kind=month&month=2026-10").data)
    )
    assert book["场次台账"].max_row > 10
    assert "审核人" in _page(client, "/staff/reports/print")


def _walk_in(october, make):
    """A new walk-in (a visit) on October's first calligraphy session."""
    session = october.sessions["s1"]
    db.session.add(
        Attendance(
            session_id=session.id,
            person_id=make.person(age=70).id,
            status="present",
            marked_at=session.starts_at,
        )
    )
    make.commit()


def test_the_page_keeps_a_counted_month_a_few_minutes_and_counts_again_when_asked(
    app, client, auth, october, make
):
    """At a district's size a month takes a noticeable time to count: the page keeps
    the figures a few minutes, says when it counted them, and counts again on
    request. Its charts, printout and tables' CSV show the same figures meanwhile;
    the workbook is counted when made."""
    app.config["REPORT_KEEP_SECONDS"] = 300
    auth.login(october.staff)
    first = _page(client, f"/staff/reports?{OCTOBER}")
    assert _figures(first)["服务人次"] == "16"
    assert "计算于" in first and "现在重新计算" in first
    _walk_in(october, make)

    def month_visits(url):  # the month chart's one bar, and the month table's CSV
        return client.get(url).get_data(as_text=True)

    assert _figures(_page(client, f"/staff/reports?{OCTOBER}"))["服务人次"] == "16"  # kept
    kept_chart = month_visits(f"/staff/reports/chart/months.svg?{OCTOBER}")
    assert ">16<" in kept_chart and ">17<" not in kept_chart  # (16 is also a tick)
    assert ",16," in month_visits(f"/staff/reports/csv/month.csv?{OCTOBER}")
    assert _figures(_page(client, f"/staff/reports/print?{OCTOBER}"))["服务人次"] == "16"
    again = _page(client, f"/staff/reports?{OCTOBER}&fresh=1")
    assert _figures(again)["服务人次"] == "17"
    assert ">17<" in month_visits(f"/staff/reports/chart/months.svg?{OCTOBER}")
    assert ",17," in month_visits(f"/staff/reports/csv/month.csv?{OCTOBER}")


def test_a_teachers_kept_report_is_their_own(app, client, auth, october):
    """Kept by period and by whose classes it counts: staff's whole-centre figures
    are never what a teacher is shown, nor one teacher's what another is."""
    app.config["REPORT_KEEP_SECONDS"] = 300
    auth.login(october.staff)
    assert _figures(_page(client, f"/staff/reports?{OCTOBER}"))["服务人次"] == "16"
    auth.logout()
    auth.login(october.teacher_a)
    assert _figures(_page(client, f"/staff/reports?{OCTOBER}"))["服务人次"] == "10"
    auth.logout()
    auth.login(october.teacher_b)
    html = _page(client, f"/staff/reports?{OCTOBER}")
    assert "合唱团" in html and "书法班" not in html  # teacher B's choir alone
    assert _figures(html)["服务人次"] == "4"
