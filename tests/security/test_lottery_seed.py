"""The lottery seed: nobody types it. The app draws it from `secrets` once, when
applications close (the `lottery_seeds` job, every minute; or, without a closing
time or before the job ran, at a first press of "draw", which then draws nothing),
publishes its SHA-256 on the programme page before the draw (a look at the page
only shows it: a GET never writes),
keeps the seed itself out of every page until the draw, and uses it for the draw;
afterwards anyone sees the seed, can check it against the commitment, and the
draw replays."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Programme, Role
from app.services.childcare import draw as childcare_draw
from app.services.childcare import seed as childcare_seed
from app.services.childcare.applications import apply_days
from app.services.childcare.draw import plan_from_inputs, replay_draw
from tests.concurrency.conftest import fire  # noqa: F401  (the fixture)
from tests.programme_helpers import family, lottery, sessions


def _sha(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def _with_applicants(make, now, households=4):
    programme = lottery(make, capacity=1, days=1)
    for _ in range(households):
        guardian, (kid,) = family(make, children=1)
        apply_days(programme, [(kid, sessions(programme)[0])], by=guardian, now=now)
    return programme


def _close(app, programme, minutes=1):
    app.config["FROZEN_NOW"] = programme.activity.closes_at + timedelta(minutes=minutes)


def _job_runs(app):
    """`flask run-jobs` (every minute) at the frozen moment: it fixes due seeds."""
    sealed = childcare_seed.seal_seeds_job(app.config["FROZEN_NOW"])
    db.session.commit()
    return sealed


def test_the_draw_form_has_no_seed_field_and_a_posted_seed_is_ignored(make, auth, client, app, now):
    programme = _with_applicants(make, now)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    page = client.get(f"/programmes/staff/{programme.id}").text
    assert 'name="seed"' not in page
    _close(app, programme)
    auth.login(staff)  # a day later: the staff session has ended meanwhile
    assert _job_runs(app) == 1
    done = client.post(f"/programmes/staff/{programme.id}/draw", data={"seed": "favour-me"})
    assert done.status_code == 303
    db.session.expire_all()
    programme = db.session.get(Programme, programme.id)
    assert programme.draw_seed != "favour-me" and len(programme.draw_seed) == 32
    assert programme.draw_report["seed"] == programme.draw_seed
    assert _sha(programme.draw_seed) == programme.seed_sha256


def test_commitment_is_public_after_close_and_the_seed_only_after_the_draw(
    make, auth, client, app, now, snapshot
):
    programme = _with_applicants(make, now)
    staff = make.user(role=Role.STAFF, age=40)
    guardian, _ = family(make, children=1)
    make.commit()
    url = f"/programmes/{programme.id}"
    # Before the close: no seed exists yet, nothing is shown.
    assert "SHA-256" not in client.get(url).text
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).draw_seed is None
    # After the close, a look writes nothing: the page shows what is fixed so far.
    _close(app, programme)
    before = snapshot()
    assert "SHA-256" not in client.get(url).text
    assert snapshot() == before
    # The job fixes the seed; from then on its hash is shown.
    assert _job_runs(app) == 1
    before_draw = client.get(url).text
    db.session.expire_all()
    sealed = db.session.get(Programme, programme.id)
    seed, commitment = sealed.draw_seed, sealed.seed_sha256
    assert seed and commitment == _sha(seed) and sealed.drawn_at is None
    assert commitment in before_draw and seed not in before_draw
    # The seed is in no page before the draw: not for a guardian, not for staff.
    auth.login(guardian)
    assert seed not in client.get(url).text and commitment in client.get(url).text
    auth.logout()
    auth.login(staff)
    manage = client.get(f"/programmes/staff/{programme.id}").text
    assert seed not in manage and commitment in manage
    audit = client.get("/staff/audit")
    assert audit.status_code == 200 and seed not in audit.text
    # Looking again never draws it again.
    _close(app, programme, minutes=30)
    client.get(url)
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).draw_seed == seed
    # The draw uses that seed; then everyone sees it and how to check it.
    assert client.post(f"/programmes/staff/{programme.id}/draw").status_code == 303
    db.session.expire_all()
    drawn = db.session.get(Programme, programme.id)
    assert drawn.draw_report["seed"] == seed and drawn.seed_sha256 == commitment
    auth.logout()
    public = client.get(f"{url}?lang=en").text
    assert seed in public and commitment in public
    assert "sha256sum" in public and "gives the same result" in public
    assert "does not match" not in public


def test_the_job_seals_seeds_of_closed_lotteries_once(make, now):
    closed = _with_applicants(make, now)
    still_open = lottery(make, capacity=1, days=1, closes_at=make.now + timedelta(days=3))
    later = closed.activity.closes_at + timedelta(minutes=1)
    assert childcare_seed.seal_seeds_job(later) >= 1
    seed = closed.draw_seed
    assert seed and closed.seed_sha256 == _sha(seed) and closed.seed_drawn_at == later
    assert still_open.draw_seed is None and still_open.seed_sha256 is None
    assert childcare_seed.seal_seeds_job(later + timedelta(minutes=1)) == 0
    assert closed.draw_seed == seed
    entries = db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "lottery_seed_drawn", AuditEntry.subject_id == closed.id)
    )
    assert entries == 1


def test_two_concurrent_closes_produce_one_seed(make, app, now, fire):  # noqa: F811
    programme = _with_applicants(make, now, households=2)
    programme_id = programme.id
    later = programme.activity.closes_at + timedelta(minutes=1)

    def seal():
        result = childcare_seed.seal_seed(db.session.get(Programme, programme_id), later)
        seen = db.session.get(Programme, programme_id).draw_seed
        db.session.commit()
        return result, seen

    results = fire([seal, seal, seal])
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sorted(drew for drew, _ in results) == [False, False, True]
    seeds = {seen for _, seen in results}
    db.session.expire_all()
    stored = db.session.get(Programme, programme_id)
    assert seeds == {stored.draw_seed} and stored.seed_sha256 == _sha(stored.draw_seed)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "lottery_seed_drawn")
        )
        == 1
    )


def test_the_draw_replays_from_the_published_seed(make, now):
    programme = _with_applicants(make, now, households=6)
    staff = make.user(role=Role.STAFF, age=40)
    later = programme.activity.closes_at + timedelta(minutes=1)
    childcare_seed.seal_seed(programme, later)
    committed = programme.seed_sha256
    report = childcare_draw.run_draw(programme, by=staff, now=later + timedelta(minutes=5))
    assert _sha(report["seed"]) == committed
    again = plan_from_inputs(report["seed"], report["inputs"])
    assert {str(k): v.order for k, v in again.items()} == {
        k: v["order"] for k, v in report["slots"].items()
    }
    assert replay_draw(programme)
    # A seed swapped after the draw no longer matches the commitment.
    programme.draw_report = {**report, "seed": "0" * 32}
    assert not replay_draw(programme)
    assert childcare_draw.commitment(programme).seed_matches is False


@pytest.mark.parametrize("window", ["no closing time", "closed, the job has not run yet"])
def test_a_draw_without_a_published_commitment_publishes_it_and_draws_nothing(
    make, auth, client, app, now, snapshot, window
):
    """The seed's SHA-256 must be public before the draw uses the seed. When no
    commitment exists yet (the lottery has no closing time, or the job has not run
    since the close; looking at the page does not fix it), pressing "draw" only
    fixes and publishes it (409, with a message), and the next press draws with
    that very seed."""
    closes_at = None if window == "no closing time" else make.now + timedelta(days=1)
    programme = lottery(make, capacity=1, days=1, closes_at=closes_at)
    for _ in range(3):
        guardian, (kid,) = family(make, children=1)
        apply_days(programme, [(kid, sessions(programme)[0])], by=guardian, now=now)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    if closes_at is not None:
        _close(app, programme)
    auth.login(staff)
    url = f"/programmes/staff/{programme.id}/draw"
    before = snapshot()
    assert client.get(f"/programmes/staff/{programme.id}").status_code == 200
    assert client.get(f"/programmes/{programme.id}").status_code == 200
    assert snapshot() == before  # looking fixed nothing
    first = client.post(f"{url}?lang=en")
    assert first.status_code == 409
    assert "run the draw again" in first.text
    db.session.expire_all()
    published = db.session.get(Programme, programme.id)
    seed, commitment = published.draw_seed, published.seed_sha256
    assert seed and commitment == _sha(seed)
    assert published.drawn_at is None and published.draw_report is None
    assert seed not in first.text and commitment in first.text
    # Only the commitment (and its audit line) was written: no booking, no notice.
    after = snapshot()
    changed = {t for t in before if before[t] != after[t]}
    assert changed == {"audit_entry"}, changed
    # The commitment is public before the draw; applications are closed from then on.
    auth.logout()
    assert commitment in client.get(f"/programmes/{programme.id}").text
    latecomer, (late_kid,) = family(make, children=1)
    from app.services.refusals import WindowClosed

    with pytest.raises(WindowClosed):
        apply_days(programme, [(late_kid, sessions(programme)[0])], by=latecomer, now=now)
    db.session.rollback()
    auth.login(staff)
    second = client.post(url)
    assert second.status_code == 303
    db.session.expire_all()
    drawn = db.session.get(Programme, programme.id)
    assert drawn.draw_report["seed"] == seed and drawn.seed_sha256 == commitment
