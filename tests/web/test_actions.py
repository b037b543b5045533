"""The one way views run an action (app/actions.py): commit once on success, roll
back and answer with the refusal's own sentence and status otherwise, in both
renderings."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages, request
from sqlalchemy import func, select

from app.actions import answer, attempt
from app.extensions import db
from app.models import Household
from app.services.refusals import Full
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
