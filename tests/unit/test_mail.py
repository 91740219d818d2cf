"""The outbox: written with the change, delivered after commit, retried, never lost (R-COM-2)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storefront import clock
from storefront.models import Email
from storefront.services import mail
from tests.smtp import free_port, smtp_server


def queue_one(session, to="ann@example.com") -> Email:
    email = mail.queue(session, to, "support_received",
                       {"name": "Ann", "email": to, "order_number": "", "message": "Hello there"})
    session.commit()
    return email


def pending(session) -> int:
    return session.scalar(select(func.count(Email.id)).where(Email.sent_at.is_(None)))


def test_an_email_rolled_back_with_its_change_is_never_sent_R_COM_2(session):
    mail.queue(session, "ann@example.com", "support_received",
               {"name": "Ann", "email": "x", "order_number": "", "message": "Hello there"})
    session.rollback()
    assert session.scalar(select(func.count(Email.id))) == 0


def test_smtp_delivery_sends_text_and_html_parts(session):
    queue_one(session)
    session.execute(Email.__table__.update().values(sent_at=None, attempts=0))  # not yet sent
    session.commit()
    with smtp_server() as (inbox, port):
        result = mail.deliver_due(session, mail.SMTPTransport("127.0.0.1", port),
                                  "Store <orders@store.example>")
    assert result == {"sent": 1, "failed": 0}
    (message,) = inbox.parsed()
    assert message["To"] == "ann@example.com"
    assert message.is_multipart() and message.get_content_type() == "multipart/alternative"


def test_a_down_server_delays_delivery_and_a_later_run_sends_each_email_once_R_COM_2(session):
    port = free_port()
    queue_one(session)
    queue_one(session, "bob@example.com")
    session.execute(Email.__table__.update().values(sent_at=None, attempts=0))
    session.commit()
    down = mail.deliver_due(session, mail.SMTPTransport("127.0.0.1", port, timeout=2), "s@x")
    assert down["sent"] == 0 and pending(session) == 2
    failed = session.scalars(select(Email).where(Email.attempts == 1)).one()
    assert failed.last_error and failed.next_attempt_at is not None
    with smtp_server(port) as (inbox, _):  # the server is back
        clock.use(clock.now() + timedelta(minutes=5))
        first = mail.deliver_due(session, mail.SMTPTransport("127.0.0.1", port), "s@x")
        again = mail.deliver_due(session, mail.SMTPTransport("127.0.0.1", port), "s@x")
    assert first["sent"] == 2 and again["sent"] == 0
    assert sorted(m["To"] for m in inbox.parsed()) == ["ann@example.com", "bob@example.com"]


def test_retries_back_off_up_to_an_hour():
    assert mail.backoff(1) == timedelta(minutes=1)
    assert mail.backoff(3) == timedelta(minutes=4)
    assert mail.backoff(20) == timedelta(hours=1)


def test_subjects_cannot_carry_header_injection(session):
    email = mail.queue(session, "ann@example.com", "support_request",
                       {"name": "Ann\r\nBcc: evil@example.com", "email": "ann@example.com",
                        "order_number": "", "message": "Hello there"})
    assert "\n" not in email.subject and "\r" not in email.subject
