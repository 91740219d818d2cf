"""Reminders that keep a preorder payable (issue 11, R-PAY-4): a card that expires before
the release month, and two days left after a failed charge; each sent once."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from storefront import clock
from storefront.models import Email, PaymentMethod
from storefront.services import reminders
from tests.unit.test_payments_after_order import FAILS_LATER, finalize, place


def kinds(session) -> list[str]:
    session.expire_all()
    return [e.kind for e in session.scalars(select(Email).order_by(Email.id))]


def card(month: int, year: int) -> PaymentMethod:
    return PaymentMethod(kind="card", gateway="test", token="t", brand="Visa", last4="4242",
                         exp_month=month, exp_year=year)


def test_a_card_expiring_before_the_release_month_is_flagged_and_one_in_it_is_not():
    release = date(2027, 5, 10)
    assert reminders.expires_before(card(4, 2027), release)
    assert not reminders.expires_before(card(5, 2027), release)  # valid through May
    assert not reminders.expires_before(card(1, 2030), release)
    assert not reminders.expires_before(None, release)


def test_the_customer_is_emailed_once_when_the_card_expires_before_the_release_R_PAY_4(
        session):
    order = place(session, {"aurora-knight-figure": 1})  # release in about four months
    assert reminders.expiring_cards(session) == 0  # the test card expires in 2039
    release = max(line.release_date for line in order.lines)
    order.payment_method.exp_year, order.payment_method.exp_month = release.year, 1
    if release.month == 1:
        order.payment_method.exp_year -= 1
    session.commit()
    assert reminders.expiring_cards(session, base_url="https://shop.test") == 1
    assert reminders.expiring_cards(session) == 0
    assert kinds(session).count("card_expiring") == 1


def test_two_days_before_the_deadline_of_a_failed_charge_a_reminder_goes_once_R_PAY_4(
        session):
    order = finalize(session, place(session, {"aurora-knight-figure": 1}, FAILS_LATER))
    due = clock.aware(order.payment_due_by)
    clock.use(due - timedelta(days=3))
    assert reminders.payment_deadlines(session) == 0
    clock.use(due - timedelta(days=2) + timedelta(minutes=1))
    assert reminders.payment_deadlines(session) == 1
    assert reminders.payment_deadlines(session) == 0
    assert kinds(session).count("payment_reminder") == 1
