"""Issue 12, the parent's childcare journey: the answer to a booking or application
form comes where the parent is looking (in place of the form with htmx, at the top
of a page without), the calendar below shows the new state, asking again for what
is held is a state and not a failure, enrolled children show as enrolled with their
cancel and leave actions, and after a draw the family page shows its outcome."""

import re
from datetime import timedelta

from app.extensions import db
from app.models import Booking, BookingStatus, Notice, Role
from app.services.childcare.applications import apply_days
from app.services.childcare.seed import seal_seed
from app.services.childcare.submissions import book_days
from tests.programme_helpers import afterschool, family, holiday, lottery, sessions

HX = {"HX-Request": "true"}


def _picks(kids, slots):
    return [f"{k.id}-{s.id}" for k in kids for s in slots]


def _before(html: str, first: str, then: str) -> bool:
    return html.index(first) < html.index(then)


def test_without_javascript_the_answer_tops_a_page_with_the_calendar_below(make, auth, client):
    programme = holiday(make, capacity=2, days=3)
    guardian, kids = family(make)
    make.commit()
    auth.login(guardian)
    days = sessions(programme)
    response = client.post(
        f"/programmes/{programme.id}/book?lang=en", data={"pick": _picks(kids, days[:1])}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    # The results come first in the page, focused on load; then the calendar, whose
    # booked day now shows each child's state and no more seats.
    assert _before(html, 'id="results"', '<form class="programme-form"') and "autofocus" in html
    assert html.count('class="booking result-confirmed"') == 2
    assert "Booked: 2" in html
    assert html.count('name="pick"') == 2 * (len(days) - 1)
    assert "Full" in html and html.count("2 seats left") == len(days) - 1


def test_a_form_turned_down_is_answered_in_the_same_place(make, auth, client, now):
    programme = holiday(make, opens_at=now + timedelta(hours=2))
    guardian, kids = family(make)
    make.commit()
    auth.login(guardian)
    url = f"/programmes/{programme.id}/book?lang=en"
    for headers in (HX, {}):
        # Nothing ticked: the zone again, its message where the results would be.
        empty = client.post(url, data={}, headers=headers)
        html = empty.get_data(as_text=True)
        assert empty.status_code == 422
        assert re.search(r'id="results" role="alert" tabindex="-1" autofocus', html)
        assert _before(html, 'id="results"', '<form class="programme-form"')
        # The whole form refused (not open yet): the same, with the refusal's words.
        early = client.post(
            url, data={"pick": _picks(kids, sessions(programme)[:1])}, headers=headers
        )
        html = early.get_data(as_text=True)
        assert early.status_code == 409 and "Booking opens on" in html
        assert _before(html, 'id="results"', '<form class="programme-form"')
        assert ("<html" in html) is not bool(headers)
    assert db.session.query(Booking).count() == 0


def test_the_after_school_club_shows_enrolled_children_as_enrolled(make, auth, client, now):
    programme = afterschool(make)
    guardian, (enrolled, not_yet) = family(make)
    _, (neighbour,) = family(make, children=1)
    first = sessions(programme)[0]
    book_days(programme, [(enrolled, first)], by=guardian, channel="phone", now=now)
    book_days(programme, [(neighbour, first)], by=guardian, channel="desk", now=now)
    make.commit()
    booking = db.session.query(Booking).filter_by(person_id=enrolled.id).one()
    auth.login(guardian)
    html = client.get(f"/programmes/{programme.id}?lang=en").get_data(as_text=True)
    # No box to enrol them again; the one not enrolled yet still has hers.
    assert f'value="{enrolled.id}-' not in html and f'value="{not_yet.id}-{first.id}"' in html
    assert f"{enrolled.name}: " in html and "Enrolled" in html
    # The enrolment with its actions, as under My bookings.
    assert f'action="/me/bookings/{booking.id}/cancel"' in html
    assert f'action="/me/bookings/{booking.id}/leave"' in html
    # Another household's child is none of this page's business.
    assert neighbour.name not in html
    # Ticking the enrolled child anyway (an old page): a state, not a failure.
    again = client.post(
        f"/programmes/{programme.id}/book?lang=en",
        data={"pick": _picks([enrolled], [first])},
        headers=HX,
    )
    text = again.get_data(as_text=True)
    assert again.status_code == 200 and 'class="booking result-held"' in text
    assert "Not booked" not in text
    assert db.session.query(Booking).filter_by(person_id=enrolled.id).count() == 1


def test_after_the_draw_the_family_page_shows_what_each_child_got(make, auth, client, app, now):
    programme = lottery(make, capacity=1, days=2)
    guardian, kids = family(make)
    staff = make.user(role=Role.STAFF, age=40)
    apply_days(
        programme,
        [(k, s) for k in kids for s in sessions(programme)],
        together=True,
        by=guardian,
        now=now,
    )
    make.commit()
    auth.login(guardian)
    url = f"/programmes/{programme.id}?lang=en"
    assert "Places are drawn by lottery" in client.get(url).get_data(as_text=True)
    after = programme.activity.closes_at + timedelta(minutes=5)
    app.config["FROZEN_NOW"] = after
    seal_seed(programme, after)
    make.commit()
    auth.login(staff)
    assert client.post(f"/programmes/staff/{programme.id}/draw").status_code == 303
    auth.login(guardian)
    html = client.get(url).get_data(as_text=True)
    assert "The places are being drawn" not in html
    assert "The draw took place on" in html
    # One place a day for two siblings: one booked, the other waits, each day.
    assert html.count("On the waiting list") >= 2 and "Booked" in html
    inbox = client.get("/me/inbox?lang=en").get_data(as_text=True)
    assert inbox.count("The draw for") == 1 and inbox.count("won a place") == 2
    assert db.session.query(Notice).filter_by(user_id=guardian.id).count() == 1
    statuses = sorted(b.status for b in db.session.query(Booking))
    assert statuses == [BookingStatus.CONFIRMED] * 2 + [BookingStatus.WAITLISTED] * 2


def test_applying_answers_in_place_with_the_applications_as_they_are_now(make, auth, client):
    programme = lottery(make, days=2)
    guardian, kids = family(make)
    make.commit()
    auth.login(guardian)
    page = client.get(f"/programmes/{programme.id}?lang=en").get_data(as_text=True)
    # "Together" is honest about the draw's last seat (it goes to one rather than none).
    assert "a single place left over goes to one of them" in page
    url = f"/programmes/{programme.id}/apply?lang=en"
    data = {"pick": _picks(kids, sessions(programme)[:1]), "together": "y"}
    html = client.post(url, data=data, headers=HX).get_data(as_text=True)
    assert "Your application result" in html and "Applied: 2" in html
    # The family's applications, refreshed with the rest of the zone, each withdrawable.
    assert _before(html, 'id="results"', "Your applications</h2>")
    assert html.count("/withdraw") == 2
    # Applying again for the same day: already applied, said as a state.
    again = client.post(url, data=data, headers=HX)
    text = again.get_data(as_text=True)
    assert again.status_code == 200 and text.count('class="booking result-held"') == 2
    assert "Applied, waiting for the draw" in text and "Not booked" not in text
