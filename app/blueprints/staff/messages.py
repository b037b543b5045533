"""Messages the outbox could not send (SMS or mail down): the desk sees them, phones
the people concerned or sends them again once the gateway is back."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import answer, attempt
from app.blueprints.staff import bp
from app.blueprints.staff.pages import invalid, on_page
from app.extensions import db
from app.forms import EmptyForm
from app.models import OutboxMessage
from app.services.messaging import outbox
from app.timeutil import now


def messages_page(_outcome=None) -> str:
    return render_template(
        "staff/messages.html", messages=outbox.failed_messages(), form=EmptyForm(formdata=None)
    )


@bp.get("/messages")
def list_failed_messages():
    return messages_page()


@bp.post("/messages/<int:message_id>/retry")
def retry_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)  # staff only: the role authorises
    if not EmptyForm().validate():
        return invalid(messages_page)
    outcome = attempt(
        lambda: outbox.retry_message(message, by=current_user, now=now()),
        _("The message will be sent again in the next minute."),
    )
    return answer(outcome, **on_page(messages_page, url_for("staff.list_failed_messages")))
