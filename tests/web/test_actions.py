"""The one way views run an action (app/actions.py): commit once on success, roll
back and answer with the refusal's own sentence and status otherwise, in both
renderings."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages, request
from sqlalchemy import func, select

from app.actions import Done, answer, answer_invalid, attempt, refused
from app.extensions import db
from app.models import Household
from app.services.refusals import Full, LoginRefused
from app.timeutil import utcnow


@pytest.fixture
def action_client(app):
    def add_household():
        refuse = "refuse" in request.args

        def act():
            db.session.add(Household(name="试行家", created_at=utcnow()))
            db.session.flush()
            if refuse:
                raise Full()

        outcome = attempt(act, "done")
        return answer(
            outcome,
            fragment=lambda o: f"fragment:{o.kind}:{o.message}",
            page=lambda o: "page:" + "|".join(get_flashed_messages()),
            then="/after",
        )

    app.add_url_rule("/test-action", "test_action", add_household, methods=["POST"])
    return app.test_client()


def households() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Household))


def test_a_success_commits_once_and_redirects_so_a_reload_does_not_post_again(action_client):
    response = action_client.post("/test-action")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/after")
    assert households() == 1


def test_a_refusal_writes_nothing_and_shows_the_page_again_with_its_sentence(action_client):
    response = action_client.post("/test-action?refuse=1")
    assert response.status_code == 409
    assert response.get_data(as_text=True).startswith("page:")
    assert response.get_data(as_text=True) == "page:" + str(Full())
    assert households() == 0


def test_htmx_gets_the_fragment_with_the_refusals_status(action_client):
    refused = action_client.post("/test-action?refuse=1", headers={"HX-Request": "true"})
    assert refused.status_code == 409
    assert refused.get_data(as_text=True).startswith("fragment:error:")
    done = action_client.post("/test-action", headers={"HX-Request": "true"})
    assert done.status_code == 200
    assert done.get_data(as_text=True) == "fragment:success:done"
    assert households() == 1


# --- the variations: a sentence from the result, a kept refusal, a redirect for both ---


@pytest.fixture
def variant_client(app):
    """/test-variant: adds a household; `refuse` raises Full after the write; `quiet`
    says nothing when done; `keep`
    keeps the refused write; `redirect` answers without a page, `plain` without a
    fragment; `invalid` turns the form down before any action."""

    def view():
        args = request.args
        if "invalid" in args:
            return answer_invalid(
                "check the form",
                fragment=lambda o: f"fragment:{o.kind}:{o.message}",
                page=lambda o: "page:" + "|".join(get_flashed_messages()),
            )

        def act():
            household = Household(name="试行家", created_at=utcnow())
            db.session.add(household)
            db.session.flush()
            if "refuse" in args:
                raise Full()
            return household

        outcome = attempt(
            act,
            lambda household: (
                "" if "quiet" in args else Done(f"added {household.name}", "info", ("and a note",))
            ),
            keep=(Full,) if "keep" in args else (),
        )
        return answer(
            outcome,
            fragment=None if "plain" in args else (lambda o: f"fragment:{o.kind}:{o.message}"),
            page=None if "redirect" in args else (lambda o: "page"),
            then="/after",
        )

    app.add_url_rule("/test-variant", "test_variant", view, methods=["POST"])
    return app.test_client()


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def test_the_sentence_may_come_from_the_result_with_its_own_tone_and_notes(variant_client):
    response = variant_client.post("/test-variant")
    assert response.status_code == 303
    assert flashes(variant_client) == [("info", "added 试行家"), ("info", "and a note")]
    fragment = variant_client.post("/test-variant", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True) == "fragment:info:added 试行家"
    assert households() == 2


def test_without_a_page_a_refusal_flashes_and_redirects_like_a_success(variant_client):
    response = variant_client.post("/test-variant?refuse=1&redirect=1")
    assert response.status_code == 303 and response.headers["Location"].endswith("/after")
    assert flashes(variant_client) == [("error", str(Full()))]
    assert households() == 0


def test_without_a_fragment_htmx_is_answered_like_any_request(variant_client):
    response = variant_client.post("/test-variant?plain=1", headers={"HX-Request": "true"})
    assert response.status_code == 303
    refused_ = variant_client.post("/test-variant?plain=1&refuse=1", headers={"HX-Request": "true"})
    assert refused_.status_code == 409 and refused_.get_data(as_text=True) == "page"


def test_an_invalid_form_shows_the_page_without_a_flash_or_the_fragment(variant_client):
    page = variant_client.post("/test-variant?invalid=1")
    assert page.status_code == 422 and page.get_data(as_text=True) == "page:"
    fragment = variant_client.post("/test-variant?invalid=1", headers={"HX-Request": "true"})
    assert fragment.status_code == 422
    assert fragment.get_data(as_text=True) == "fragment:error:check the form"
    assert households() == 0


def test_refused_is_an_outcome_turned_down_before_any_action():
    outcome = refused("check the form")
    assert (outcome.ok, outcome.status, outcome.kind, outcome.refusal) == (
        False,
        422,
        "error",
        None,
    )


def test_an_action_with_nothing_to_say_flashes_nothing(variant_client):
    assert variant_client.post("/test-variant?quiet=1").status_code == 303
    assert flashes(variant_client) == []


# --- the variations (app/actions.py's docstring lists them) -----------------------


@pytest.fixture
def variations(app):
    """One route per variation: `?refuse=full` or `?refuse=recorded` makes the
    action refuse after writing a household."""

    def act():
        db.session.add(Household(name="试行家", created_at=utcnow()))
        db.session.flush()
        refuse = request.args.get("refuse")
        if refuse == "full":
            raise Full()
        if refuse == "recorded":
            raise LoginRefused()
        return 3

    def kept():
        outcome = attempt(act, lambda n: f"made {n}", keep=(LoginRefused,))
        return answer(outcome, page=lambda o: f"page:{o.kind}:{o.message}", then="/after")

    def listed():
        outcome = attempt(act, "done")
        return answer(outcome, fragment=lambda o: "fragment", then="/list")

    def once():
        outcome = attempt(act)
        return answer(
            outcome,
            page=lambda o: "page:" + "|".join(get_flashed_messages()),
            shown=lambda o: (f"shown:{o.result}:" + "|".join(get_flashed_messages()), 201),
        )

    def news():
        outcome = attempt(act, "nothing new").told_as("info")
        answer(outcome, then="/after")
        return "|".join(f"{k}:{m}" for k, m in get_flashed_messages(with_categories=True))

    for name, view in [("kept", kept), ("listed", listed), ("once", once), ("news", news)]:
        app.add_url_rule(f"/test-{name}", f"test_{name}", view, methods=["POST"])
    return app.test_client()


def test_a_kept_refusal_commits_its_writes_and_any_other_rolls_back(variations):
    recorded = variations.post("/test-kept?refuse=recorded")
    assert recorded.status_code == 401
    assert recorded.get_data(as_text=True) == f"page:error:{LoginRefused()}"
    assert households() == 1  # e.g. a wrong PIN is counted although the login is refused
    assert variations.post("/test-kept?refuse=full").status_code == 409
    assert households() == 1


def test_without_a_page_a_refusal_redirects_to_the_list_too(variations):
    refused = variations.post("/test-listed?refuse=full")
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/list")
    assert households() == 0
    htmx = variations.post("/test-listed?refuse=full", headers={"HX-Request": "true"})
    assert (htmx.status_code, htmx.get_data(as_text=True)) == (409, "fragment")


def test_an_answer_shown_once_is_the_response_itself_without_a_flash(variations):
    for headers in ({}, {"HX-Request": "true"}):
        done = variations.post("/test-once", headers=headers)
        assert (done.status_code, done.get_data(as_text=True)) == (201, "shown:3:")
    refused = variations.post("/test-once?refuse=full", headers={"HX-Request": "true"})
    # No fragment: htmx gets the page, as a browser without JavaScript does.
    assert refused.status_code == 409
    assert refused.get_data(as_text=True) == f"page:{Full()}"
    assert households() == 2


def test_news_is_told_as_info(variations):
    assert variations.post("/test-news").get_data(as_text=True) == "info:nothing new"
