"""Money through the pages (issue 11): the QA provider hooks, the customer's refund status,
staff cancel and partial refund (admin pages and `flask staff`), the refunds page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storefront import clock, create_app, jobs
from storefront.cli_staff import staff
from storefront.extensions import db
from storefront.models import Email, Order, PaymentMethod, Product, Refund
from tests.builders import VISA, confirm, login, ready_checkout, user
from tests.money import assert_money_adds_up
from tests.support.app import settings

STAFF = ("staff@example.com", "Staff-Passw0rd!")


def place(session, items: dict[str, int]) -> str:
    person = user(session)
    checkout, seen = ready_checkout(session, person, items)
    return confirm(session, person, checkout, seen).orders[0].number


def order(number: str) -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order).where(Order.number == number)).one()


@pytest.fixture()
def qa(database_url, app):
    """A QA-mode app over the same demo database."""
    return create_app(settings(database_url, QA_MODE=True))


def test_qa_gateway_faults_are_set_checked_and_cleared(qa):
    client = qa.test_client()
    set_ = client.post("/_qa/gateway", json={"decline": ["capture"], "outage": ["refund"]})
    assert set_.status_code == 200
    assert set_.get_json() == {"decline": ["capture"], "outage": ["refund"]}
    assert client.post("/_qa/gateway", json={"outage": ["teleport"]}).status_code == 400
    assert client.post("/_qa/gateway", json={"sometimes": ["charge"]}).status_code == 400
    assert client.post("/_qa/gateway", data="not json").status_code == 400
    assert client.post("/_qa/gateway", json={}).get_json() == {}


def test_qa_payments_lists_the_providers_movements_for_a_customer_oldest_first(qa, session):
    number = place(session, {"pocket-cat-keychain": 1})
    client = qa.test_client()
    moves = client.get("/_qa/payments?to=qa.us@example.com").get_json()
    assert moves == [{"order": number, "kind": "charge", "amount_cents": 3000,
                      "status": "succeeded", "method": "card", "last4": "4242"}]
    assert client.get("/_qa/payments?to=qa.fr@example.com").get_json() == []
    assert client.get("/_qa/payments?to=nobody").get_json() == []


def test_qa_provider_hooks_are_404_outside_qa_mode(client):
    assert client.post("/_qa/gateway", json={}).status_code == 404
    assert client.get("/_qa/payments?to=qa.us@example.com").status_code == 404


def test_staff_cancel_returns_stock_refunds_and_emails_through_an_outage(app, qa, session):
    """The refund waits while the provider is down: the customer reads "pending", then
    "refunded" once it is back and the due jobs ran; two emails, one refund at the provider."""
    number = place(session, {"pocket-cat-keychain": 2})
    stock = session.scalars(select(Product.stock)
                            .where(Product.slug == "pocket-cat-keychain")).one()
    qa_client = qa.test_client()
    qa_client.post("/_qa/gateway", json={"outage": ["refund"]})
    staff_client = app.test_client()
    login(staff_client, *STAFF)
    page = staff_client.get(f"/admin/orders/{number}").get_data(as_text=True)
    assert 'data-testid="staff-cancel"' in page and 'data-testid="staff-refund"' in page
    refused = staff_client.post(f"/admin/orders/{number}/cancel", data={"reason": "  "})
    assert refused.status_code == 422
    done = staff_client.post(f"/admin/orders/{number}/cancel",
                             data={"reason": "Damaged in the warehouse"})
    assert done.status_code == 303
    assert order(number).status == "cancelled"
    assert session.scalars(select(Product.stock)
                           .where(Product.slug == "pocket-cat-keychain")).one() == stock + 2
    listed = staff_client.get("/admin/refunds").get_data(as_text=True)
    assert number in listed and 'data-testid="refund-retry"' in listed
    customer = app.test_client()
    login(customer)
    page = customer.get(f"/account/orders/{number}").get_data(as_text=True)
    assert 'data-testid="refund-status" data-status="pending"' in page
    qa_client.post("/_qa/gateway", json={})
    clock.use(clock.now() + timedelta(minutes=2))
    jobs.run_due()
    page = customer.get(f"/account/orders/{number}").get_data(as_text=True)
    assert 'data-testid="refund-status" data-status="refunded"' in page
    kinds = [e.kind for e in session.scalars(select(Email).where(Email.to == "qa.us@example.com")
                                             .order_by(Email.id))]
    assert kinds[-2:] == ["cancelled", "refund"]
    assert "refunds-empty" in staff_client.get("/admin/refunds").get_data(as_text=True)
    assert_money_adds_up(session)


def test_staff_partial_refunds_never_exceed_what_is_left(app, session):
    number = place(session, {"pocket-cat-keychain": 1})  # 30.00 paid
    staff_client = app.test_client()
    login(staff_client, *STAFF)
    url = f"/admin/orders/{number}/refund"
    for amount in ("30.01", "0", "-1", "ten", "1e3"):
        answer = staff_client.post(url, data={"amount": amount, "reason": "scratched box"})
        assert answer.status_code == 422, amount
    assert staff_client.post(url, data={"amount": "12.50", "reason": ""}).status_code == 422
    assert staff_client.post(url, data={"amount": "12.50",
                                        "reason": "scratched box"}).status_code == 303
    assert (order(number).refunded_cents, order(number).payment_status) == (
        1250, "partially_refunded")
    assert staff_client.post(url, data={"amount": "17.51", "reason": "more"}).status_code == 422
    assert staff_client.post(url, data={"amount": "17.50", "reason": "rest"}).status_code == 303
    assert order(number).payment_status == "refunded"
    page = staff_client.get(f"/admin/orders/{number}").get_data(as_text=True)
    assert page.count('data-testid="refund" data-status="succeeded"') == 2
    assert 'data-testid="staff-refund"' not in page
    assert_money_adds_up(session)


def test_the_refunds_page_retries_a_refund_now(app, qa, session):
    number = place(session, {"pocket-cat-keychain": 1})
    qa.test_client().post("/_qa/gateway", json={"decline": ["refund"]})
    staff_client = app.test_client()
    login(staff_client, *STAFF)
    staff_client.post(f"/admin/orders/{number}/refund", data={"amount": "5", "reason": "late"})
    listed = staff_client.get("/admin/refunds").get_data(as_text=True)
    assert 'data-status="failed"' in listed
    refund_id = session.scalars(select(Refund.id)).one()
    staff_client.post(f"/admin/refunds/{refund_id}/retry")
    assert order(number).refunded_cents == 0  # still declined
    qa.test_client().post("/_qa/gateway", json={})
    staff_client.post(f"/admin/refunds/{refund_id}/retry")
    assert order(number).refunded_cents == 500
    assert_money_adds_up(session)


def test_customers_cannot_reach_the_staff_money_actions(client, session):
    number = place(session, {"pocket-cat-keychain": 1})
    login(client)
    for path in (f"/admin/orders/{number}/cancel", f"/admin/orders/{number}/refund",
                 "/admin/refunds/1/retry"):
        assert client.post(path, data={"reason": "x", "amount": "1"}).status_code == 404
    assert client.get("/admin/refunds").status_code == 404
    assert order(number).refunded_cents == 0


def test_the_staff_cancel_and_refund_commands(app, session):
    paid = place(session, {"pocket-cat-keychain": 1})
    unpaid = place(session, {"aurora-knight-figure": 1})
    runner = app.test_cli_runner(env={"STOREFRONT_STAFF_EMAIL": "staff@example.com"})
    refunded = runner.invoke(staff, ["refund", paid, "10.00", "goodwill"])
    assert refunded.exit_code == 0 and "$10.00" in refunded.output, refunded.output
    too_much = runner.invoke(staff, ["refund", paid, "20.01", "goodwill"])
    assert too_much.exit_code == 1 and "at most $20.00" in too_much.output
    cancelled = runner.invoke(staff, ["cancel-order", unpaid, "out of stock at the maker"])
    assert cancelled.exit_code == 0 and f"{unpaid} cancelled" in cancelled.output
    again = runner.invoke(staff, ["cancel-order", unpaid, "again"])
    assert again.exit_code == 1
    assert order(unpaid).status == "cancelled" and order(unpaid).refunded_cents == 0
    assert_money_adds_up(session)


@pytest.mark.parametrize("fault, message", [("decline", "declined"),
                                             ("outage", "did not answer"),
                                             ("lose_answers", "did not answer")])
def test_a_card_the_provider_will_not_save_is_refused_with_a_message(client, session, fault,
                                                                     message):
    """setup faults: nothing is saved, nothing ordered, the customer is told."""
    from storefront.payments import faults
    from tests.web.test_paypal_and_card_checks import to_payment_step

    faults.store(session, {fault: ["setup"]})
    session.commit()
    to_payment_step(client)
    refused = client.post("/checkout/payment", data=VISA)
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(PaymentMethod)) == 0
