"""Background jobs on Huey: SQLite by default, Redis when STOREFRONT_REDIS_URL is set.

Email is delivered after the commit that wrote it: a session hook enqueues delivery when a
transaction that queued mail commits; a periodic job retries what failed."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from huey import RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from storefront.extensions import db, huey
from storefront.models import Email
from storefront.services import mail

log = logging.getLogger(__name__)
_state: dict[str, Any] = {}


def init_app(app: Flask) -> None:
    """Point the queue at its storage and the mailer at its transport."""
    cfg = app.config
    if cfg["REDIS_URL"]:
        huey.storage_class = RedisHuey.storage_class
        huey.storage_kwargs = {"url": cfg["REDIS_URL"]}
    else:
        huey.storage_class = SqliteHuey.storage_class
        huey.storage_kwargs = {"filename": cfg["HUEY_SQLITE_PATH"]}
    huey._immediate = bool(cfg["JOBS_IMMEDIATE"])
    huey.storage = huey.create_storage()
    _state["sender"] = cfg["MAIL_FROM"]
    _state["transport"] = (mail.SMTPTransport(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]),
                                              cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"],
                                              bool(cfg["SMTP_STARTTLS"]))
                           if cfg["SMTP_HOST"] else mail.MailboxTransport())


def deliver_now() -> dict[str, int]:
    """Deliver every email that is due, in a session of its own."""
    with db.session.session_factory() as session:
        return mail.deliver_due(session, _state["transport"], _state["sender"])


@huey.task(retries=3, retry_delay=30)
def deliver_outbox() -> dict[str, int]:
    return deliver_now()


@huey.periodic_task(crontab(minute="*"))
def retry_outbox() -> dict[str, int]:
    return deliver_now()


def run_due() -> dict[str, Any]:
    """Everything due at the app's clock, run now (QA's /_qa/run-due-jobs, cron, tests)."""
    return {"emails": deliver_now()}


@event.listens_for(Session, "after_flush")
def _note_mail(session: Session, _ctx: Any) -> None:
    if any(isinstance(obj, Email) for obj in session.new):
        session.info["mail_queued"] = True


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    if session.info.pop("mail_queued", False) and "transport" in _state:
        try:
            deliver_outbox()
        except Exception:  # delivery is retried by the periodic job; the change stands
            log.exception("could not start email delivery")


@event.listens_for(Session, "after_rollback")
def _forget_mail(session: Session) -> None:
    session.info.pop("mail_queued", None)
