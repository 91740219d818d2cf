"""The email outbox: queued inside the change's transaction, delivered after it (R-COM-2)."""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Email
from storefront.services import outbox
from storefront.services.money import usd

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MAX_BACKOFF = timedelta(hours=1)
# A claimed email is not due again for this long: time enough to send it (connect and send
# timeouts are seconds); a process that died while sending is retried after it.
CLAIM = timedelta(minutes=5)


@cache
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES / "emails"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["usd"] = usd
    return env


def render(kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of an email kind; the text template's first line is the subject."""
    text = _env().get_template(f"{kind}.txt").render(context)
    subject, _, body = text.partition("\n")
    html = _env().get_template(f"{kind}.html").render(context)
    return " ".join(subject.split()), body.lstrip("\n"), html


def queue(session: Session, to: str, kind: str, context: dict[str, Any],
          reply_to: str = "") -> Email:
    """Write an email into the outbox, in the caller's transaction (not committed here)."""
    subject, text, html = render(kind, context)
    email = Email(to=to, kind=kind, subject=subject, text=text, html=html,
                  reply_to=reply_to, created_at=clock.now())
    about = context.get("order") or next(iter(context.get("orders") or []), None)
    if about is not None and getattr(about, "id", None) is not None:
        # The order's email list (back office); a confirmation of several orders of one
        # checkout names the first, and every order of that checkout lists it.
        email.order_id = about.id
    session.add(email)
    outbox.after_commit(session, outbox.DELIVER_MAIL)  # delivered once this commits
    return email


class Transport(Protocol):
    def send(self, email: Email, sender: str) -> None: ...


class MailboxTransport:
    """Keeps mail in the database only (development and QA: read at /_qa/mailbox)."""

    def send(self, email: Email, sender: str) -> None:
        log.info("mailbox: %s to %s", email.kind, email.to)


@dataclass
class SMTPTransport:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0  # each command once connected (EHLO, MAIL, DATA ...)
    connect_timeout: float = 5.0

    def send(self, email: Email, sender: str) -> None:
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = email.to
        msg["Subject"] = email.subject
        msg["Message-ID"] = make_msgid(idstring=f"email-{email.id}")
        if email.reply_to:
            msg["Reply-To"] = email.reply_to
        if email.list_unsubscribe:  # one-click unsubscribe (RFC 8058)
            msg["List-Unsubscribe"] = f"<{email.list_unsubscribe}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(email.text)
        msg.add_alternative(email.html, subtype="html")
        with smtplib.SMTP(self.host, self.port, timeout=self.connect_timeout) as smtp:
            if smtp.sock is not None:
                smtp.sock.settimeout(self.timeout)
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(msg)


def backoff(attempts: int) -> timedelta:
    """Wait 1, 2, 4 ... minutes between tries, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_due(session: Session, transport: Transport, sender: str, limit: int = 100) -> dict:
    """Send what is due, never inside a transaction: each email is claimed in one short
    transaction (so no two workers send it), sent with none open, then marked in another.
    A hung mail server holds no lock and slows no page."""
    sent = failed = 0
    for _ in range(limit):
        email = _claim(session)
        if email is None:
            break
        try:
            transport.send(email, sender)
        except Exception as exc:  # any transport failure is retried later
            _mark(session, email.id, error=f"{type(exc).__name__}: {exc}")
            failed += 1
            log.warning("email %s not delivered (attempt %s): %s", email.id,
                        email.attempts + 1, type(exc).__name__)
            break  # the server is likely down: stop hammering it, retry on the next run
        _mark(session, email.id, error=None)
        sent += 1
    return {"sent": sent, "failed": failed}


def _claim(session: Session) -> Email | None:
    """The next due email, claimed for CLAIM and committed; a detached copy to send."""
    now = clock.now()
    email = session.scalars(
        select(Email).where(Email.sent_at.is_(None))
        .where((Email.next_attempt_at.is_(None)) | (Email.next_attempt_at <= now))
        .order_by(Email.id).limit(1).with_for_update(skip_locked=True)).first()
    if email is None:
        session.rollback()
        return None
    email.next_attempt_at = now + CLAIM
    copy = Email(id=email.id, to=email.to, kind=email.kind, subject=email.subject,
                 text=email.text, html=email.html, reply_to=email.reply_to,
                 attempts=email.attempts)
    session.commit()
    return copy


def _mark(session: Session, email_id: int, *, error: str | None) -> None:
    """Sent, or failed with a back-off, in a transaction of its own."""
    now = clock.now()
    email = session.get(Email, email_id, populate_existing=True)
    if email is not None and email.sent_at is None:
        email.attempts += 1
        if error is None:
            email.sent_at, email.next_attempt_at = now, None
        else:
            email.next_attempt_at = now + backoff(email.attempts)
            email.last_error = error[:500]
    session.commit()


def mailbox(session: Session, to: str) -> list[Email]:
    """Delivered mail for an address, newest first (the QA mailbox)."""
    return list(session.scalars(select(Email).where(Email.to == to.strip().lower())
                                .order_by(Email.id.desc())))
