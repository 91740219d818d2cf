"""Work a change makes due, started once its transaction commits: one small, explicit
interface instead of listeners on every Session.

A service that writes an email or makes a charge due says so inside its transaction:

    mail.queue(session, ...)                      # calls after_commit(session, DELIVER_MAIL)
    outbox.after_commit(session, outbox.CHARGE_DUE)

When that session commits, each named job is handed to the runner the app installed
(`storefront.jobs.start`, which enqueues the Huey task); when it rolls back, the jobs are
forgotten with the rows that made them due. The rows themselves (the `emails` table, an
order's `charge_due_at`) are the truth: periodic jobs pick up anything a runner missed, so
a job that fails to start is late, never lost.

Confirm Order, for example: web/checkout.confirm -> placing.confirm -> mail.queue(...,
"order_confirmation") -> after_commit(session, DELIVER_MAIL) -> session.commit() ->
jobs.start(DELIVER_MAIL) -> jobs.deliver_outbox -> mail.deliver_due.

New due work: a name here, its Huey task in `jobs.TASKS`, and `after_commit` where the
service makes it due."""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

DELIVER_MAIL = "deliver_mail"
CHARGE_DUE = "charge_due"
TELL_WATCHERS = "tell_watchers"  # a watch event was recorded (services/watching.record)
_KEY = "outbox.after_commit"
_runner: list[Callable[[str], None]] = []


def set_runner(runner: Callable[[str], None] | None) -> None:
    """Install what starts a job by name (the app does, in jobs.init_app)."""
    _runner[:] = [runner] if runner else []


def after_commit(session: Session, job: str) -> None:
    """Start `job` once this session's current transaction commits (once per commit)."""
    target: Session = session() if isinstance(session, scoped_session) else session
    pending: set[str] | None = target.info.get(_KEY)
    if pending is None:  # first use of this session: hook this one session, not the class
        pending = target.info[_KEY] = set()
        event.listen(target, "after_commit", _start)
        event.listen(target, "after_rollback", _forget)
    if not target.in_transaction():
        target.begin()  # so a rollback forgets the job with the change
    pending.add(job)


def _start(session: Session) -> None:
    jobs = sorted(session.info.get(_KEY) or ())
    session.info.get(_KEY, set()).clear()
    for job in jobs:
        if not _runner:
            continue
        try:
            _runner[0](job)
        except Exception:  # the periodic jobs pick it up from the rows
            log.exception("could not start %s", job)


def _forget(session: Session) -> None:
    session.info.get(_KEY, set()).clear()
