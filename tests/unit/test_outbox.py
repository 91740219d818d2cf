"""Explicit background work (issue 12, item 4): services name the work their change makes
due; it starts after the commit, never after a rollback; no listener on the Session class.
(A confirmed shipping date starting the charge is proven in test_payments_after_order.py.)"""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from storefront.services import mail, outbox


def test_work_starts_after_commit_and_is_forgotten_on_rollback(session):
    started: list[str] = []
    outbox.set_runner(started.append)
    try:
        mail.queue(session, "ann@example.com", "support_received",
                   {"name": "Ann", "email": "x", "order_number": "", "message": "Hello"})
        assert started == []  # nothing before the commit
        session.commit()
        assert started == [outbox.DELIVER_MAIL]
        outbox.after_commit(session, outbox.CHARGE_DUE)
        session.rollback()
        session.commit()
        assert started == [outbox.DELIVER_MAIL], "rolled-back work started"
    finally:
        from storefront import jobs
        outbox.set_runner(jobs.start)


def test_no_listener_on_the_session_class_remains():
    """A fresh session, never handed to the outbox, has no hooks (class-level listeners
    would show in every instance's dispatch)."""
    fresh = sessionmaker()()
    assert isinstance(fresh, Session)
    for name in ("after_commit", "after_flush", "after_rollback", "before_commit"):
        assert not list(getattr(fresh.dispatch, name)), name
