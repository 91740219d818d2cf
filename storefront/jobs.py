"""Background jobs on Huey: SQLite by default, Redis when STOREFRONT_REDIS_URL is set.

Services say which work their change makes due (services/outbox.py: `after_commit(session,
DELIVER_MAIL)`); once that transaction commits, `start` runs the task here. Periodic jobs
retry whatever failed or was never started, from the rows (emails, orders)."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask
from huey import RedisHuey, SqliteHuey, crontab
from redis import ConnectionPool

from storefront.extensions import db, huey
from storefront.services import mail, order_payments, outbox, recovery, refunds, reminders, watching

log = logging.getLogger(__name__)
_state: dict[str, Any] = {}


def init_app(app: Flask) -> None:
    """Point the queue at its storage and the mailer at its transport."""
    cfg = app.config
    if cfg["REDIS_URL"]:
        huey.storage_class = RedisHuey.storage_class
        # Short timeouts: an unreachable Redis fails a request's enqueue in a second (the
        # rows keep the work) instead of hanging it; reads block for 1 s at most.
        huey.storage_kwargs = {"connection_pool": ConnectionPool.from_url(
            cfg["REDIS_URL"], socket_connect_timeout=1, socket_timeout=5)}
    else:
        huey.storage_class = SqliteHuey.storage_class
        huey.storage_kwargs = {"filename": cfg["HUEY_SQLITE_PATH"]}
    huey._immediate = bool(cfg["JOBS_IMMEDIATE"])
    huey.storage = huey.create_storage()
    _state["sender"] = cfg["MAIL_FROM"]
    _state["base_url"] = cfg["BASE_URL"]
    _state["deadline"] = timedelta(days=int(cfg["PAYMENT_DEADLINE_DAYS"]))
    _state["gateway"] = app.extensions["gateway"]
    _state["transport"] = (mail.SMTPTransport(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]),
                                              cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"],
                                              bool(cfg["SMTP_STARTTLS"]),
                                              timeout=float(cfg["SMTP_SEND_TIMEOUT"]),
                                              connect_timeout=float(cfg["SMTP_CONNECT_TIMEOUT"]))
                           if cfg["SMTP_HOST"] else mail.MailboxTransport())
    outbox.set_runner(start)


def deliver_now() -> dict[str, int]:
    """Deliver every email that is due, in a session of its own."""
    with db.registry.session_factory() as session:
        return mail.deliver_due(session, _state["transport"], _state["sender"])


@huey.task(retries=3, retry_delay=30)
def deliver_outbox() -> dict[str, int]:
    return deliver_now()


@huey.periodic_task(crontab(minute="*"))
def retry_outbox() -> dict[str, int]:
    return deliver_now()


def charge_now() -> dict[str, int]:
    """Charge preorders whose shipping date is confirmed (R-PAY-3); never twice."""
    with db.registry.session_factory() as session:
        return order_payments.charge_due(session, _state["gateway"], deadline=_state["deadline"],
                                         base_url=_state["base_url"])


def cancel_overdue_now() -> int:
    """Cancel orders unpaid after their payment deadline (R-PAY-4)."""
    with db.registry.session_factory() as session:
        return order_payments.cancel_overdue(session, base_url=_state["base_url"])


@huey.periodic_task(crontab(minute="*/5"))
def charge_due_orders() -> dict[str, int]:
    return charge_now()


@huey.periodic_task(crontab(minute="7"))
def cancel_overdue_orders() -> int:
    return cancel_overdue_now()


@huey.task()
def charge_soon() -> dict[str, int]:
    return charge_now()


def recover_now() -> dict[str, Any]:
    """Finish or undo checkouts a crash left half-done; look up unanswered charges; retry
    refunds and voids the provider has not confirmed."""
    with db.registry.session_factory() as session:
        done: dict[str, Any] = recovery.recover_checkouts(session, _state["gateway"],
                                                          _state["base_url"])
        done["settled"] = recovery.settle_unknown(session, _state["gateway"])
        done["refunds"] = refunds.retry_due(session, _state["gateway"], _state["base_url"])
        return done


@huey.periodic_task(crontab(minute="*/5"))
def recover_half_done() -> dict[str, Any]:
    return recover_now()


def remind_now() -> dict[str, int]:
    """Cards expiring before the release; two days left to pay after a failed charge."""
    with db.registry.session_factory() as session:
        return {"card_expiring": reminders.expiring_cards(session, _state["base_url"]),
                "payment_reminder": reminders.payment_deadlines(session, _state["base_url"])}


@huey.periodic_task(crontab(minute="17"))
def send_reminders() -> dict[str, int]:
    return remind_now()


def watchers_now() -> dict[str, int]:
    """Note windows closing within 48 hours; email the watchers of due events (issue 15)."""
    with db.registry.session_factory() as session:
        watching.note_closing_windows(session)
        watching.note_stock_returns(session)
        return watching.fan_out_due(session, _state["base_url"])


@huey.task()
def tell_watchers() -> dict[str, int]:
    return watchers_now()


@huey.periodic_task(crontab(minute="*/10"))
def tell_watchers_periodically() -> dict[str, int]:
    return watchers_now()


def analyze_now() -> None:
    """Fresh planner statistics on SQLite (PostgreSQL's autovacuum keeps its own): with them
    a filtered catalogue page walks its sort's index instead of sorting thousands of rows
    (issue 15). About 0.1 s at 20,000 products."""
    engine = db.engine
    if engine is not None and engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


@huey.periodic_task(crontab(minute="23"))
def analyze_hourly() -> None:
    analyze_now()


def run_due() -> dict[str, Any]:
    """Everything due at the app's clock, run now (QA's /_qa/run-due-jobs, cron, tests)."""
    recovered = recover_now()
    charged = charge_now()
    cancelled = cancel_overdue_now()
    reminded = remind_now()
    watchers = watchers_now()
    return {"recovered": recovered, "charges": charged, "cancelled_unpaid": cancelled,
            "reminders": reminded, "watchers": watchers, "emails": deliver_now()}


TASKS = {outbox.CHARGE_DUE: charge_soon, outbox.DELIVER_MAIL: deliver_outbox,
         outbox.TELL_WATCHERS: tell_watchers}


def start(job: str) -> None:
    """Start a job a commit made due (services name it through outbox.after_commit): run now
    in this process when jobs are immediate, else queued for the worker."""
    TASKS[job]()
