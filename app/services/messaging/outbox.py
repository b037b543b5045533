"""The outbox: notices queued for SMS or mail and sent by a job, with retries."""

from __future__ import annotations

import importlib
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import case, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Notice,
    OutboxMessage,
    OutboxStatus,
    User,
)
from app.notice_texts import notice_text
from app.services import audit
from app.services.jobs import job
from app.services.refusals import NotFailed
from app.services.transactions import commit_step


class SmsAdapter(Protocol):
    """What an SMS gateway adapter provides (configure with SMS_ADAPTER=module:Class)."""

    def send_sms(self, phone: str, text: str) -> None: ...


class RecordingSmsAdapter:
    """An SMS adapter that only remembers what it was asked to send (tests, demos)."""

    sent: list[tuple[str, str]] = []

    def send_sms(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))


def _load(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def sms_adapter() -> SmsAdapter | None:
    path = current_app.config.get("SMS_ADAPTER")
    return _load(path)() if path else None


class LogSender:
    def send(self, message: OutboxMessage) -> None:
        current_app.logger.info("notice to %s: %s", message.address, message.body)


class SmsSender:
    def __init__(self, adapter: SmsAdapter):
        self.adapter = adapter

    def send(self, message: OutboxMessage) -> None:
        self.adapter.send_sms(message.address, message.body)


class SmtpSender:
    def __init__(self, config):
        self.config = config

    def send(self, message: OutboxMessage) -> None:
        email = EmailMessage()
        email["From"] = self.config["MAIL_SENDER"]
        email["To"] = message.address
        email["Subject"] = message.body[:60]
        email.set_content(message.body)
        with smtplib.SMTP(self.config["MAIL_SERVER"], self.config["MAIL_PORT"], timeout=20) as smtp:
            if self.config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
            smtp.send_message(email)


def sender_for(channel: str):
    if channel == "email":
        return SmtpSender(current_app.config)
    if channel == "sms":
        adapter = sms_adapter()
        if adapter is not None:
            return SmsSender(adapter)
    return LogSender()


def route_for(user: User) -> tuple[str, str]:
    """(channel, address) for a user under the centre's configuration."""
    if current_app.config.get("MAIL_SERVER") and user.email:
        return "email", user.email
    if current_app.config.get("SMS_ADAPTER"):
        return "sms", user.phone
    return "log", user.phone


def queue_notices(notices: list[Notice], now: datetime) -> list[OutboxMessage]:
    """One outbox message per notice, in the reader's language."""

    messages = []
    for notice in notices:
        user = db.session.get(User, notice.user_id)
        channel, address = route_for(user)
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            body = notice_text(notice)
        messages.append(
            OutboxMessage(
                user_id=user.id,
                channel=channel,
                address=address,
                kind=notice.kind,
                body=body,
                status=OutboxStatus.PENDING,
                created_at=now,
            )
        )
    db.session.add_all(messages)
    return messages


# A claim older than this was left by a run that died while sending.
STALE_CLAIM = timedelta(minutes=10)


@job("send-outbox")
def send_outbox(now: datetime, batch: int = 200) -> int:
    """Sends pending messages. Each is claimed with a conditional UPDATE first, so
    two runs never send one message twice. The claim is committed before the gateway
    is called, and each outcome after it: on SQLite an open write transaction holds
    the whole database, and bookings must not wait for a mail server. So the job is
    many short transactions, each ended by `commit_step` (the one helper allowed to)."""
    limit = current_app.config.get("OUTBOX_MAX_ATTEMPTS", 3)
    _return_stale_claims(now, limit)
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(batch)
        )
    )
    commit_step()
    sent = 0
    for message_id in ids:
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(
                status=OutboxStatus.SENDING,
                attempts=OutboxMessage.attempts + 1,
                claimed_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        commit_step()  # the claim holds even if the run dies while sending
        if claimed != 1:
            continue
        message = db.session.get(OutboxMessage, message_id)
        db.session.refresh(message)
        commit_step()  # no transaction stays open while the gateway answers
        try:
            sender_for(message.channel).send(message)
        except Exception as error:  # any gateway failure: retry later, then give up
            message.status = (
                OutboxStatus.FAILED if message.attempts >= limit else OutboxStatus.PENDING
            )
            message.last_error = str(error)[:300]
        else:
            message.status, message.sent_at = OutboxStatus.SENT, now
            sent += 1
        commit_step()
    return sent


def _return_stale_claims(now: datetime, limit: int) -> None:
    """Messages a dead run had claimed go back to the queue (or fail, when they
    have had all their attempts). The gateway may have sent one already: a rare
    second message beats a lost one."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - STALE_CLAIM,
        )
        .values(
            status=case(
                (OutboxMessage.attempts >= limit, OutboxStatus.FAILED),
                else_=OutboxStatus.PENDING,
            )
        )
        .execution_options(synchronize_session=False)
    )


# --- messages that could not be sent: the desk's list ---------------------------------------


def failed_messages(limit: int = 200) -> list[OutboxMessage]:
    """Messages that failed every attempt, newest first, with their reader: the desk
    phones them or sends them again once the gateway is back."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
            .options(selectinload(OutboxMessage.user).selectinload(User.person))
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def retry_message(message: OutboxMessage, *, by: User, now: datetime) -> None:
    """Staff send a failed message again: it goes back to the queue with a fresh set
    of attempts (the next `send-outbox` run takes it); audited. Conditional, so two
    clicks queue it once. Raises NotFailed."""
    queued = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, attempts=0, claimed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if queued != 1:
        raise NotFailed()
    db.session.expire(message)
    audit.record(by, "outbox.retry", message, now, before={"last_error": message.last_error})
