"""Double submits and races on money and limits (issue 7, items 1 and 2), on SQLite and on
PostgreSQL (STOREFRONT_TEST_DATABASE_URL=postgresql+psycopg://...):

- 20 identical Update Payment submissions at once make exactly one successful charge;
- 20 identical staff "confirm the shipping date" make one charge and one email;
- 20 identical staff "mark returned", and 20 identical customer cancellations of a paid
  preorder, make exactly one refund;
- the same customer ordering a product with a per-customer limit from many checkouts at once
  never goes beyond the limit (R-CAT-5).

Each request is a thread with its own db.session (thread-local), started at one barrier, as in
tests/unit/test_concurrency.py."""
from __future__ import annotations

import os
import secrets
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from storefront import clock
from storefront.db import make_engine
from storefront.extensions import db
from storefront.models import (
    Checkout,
    Email,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Product,
    TestGatewayCharge,
    User,
)
from storefront.services import (
    aftercare,
    checkout_steps,
    fulfilment,
    order_payments,
    orders,
    payment_methods,
)
from storefront.services import cart as carts
from storefront.services.checkout_steps import Rules
from storefront.services.errors import LimitExceeded, ServiceError
from tests.builders import VISA, confirm, gateway, product, ready_checkout, user
from tests.reliability.racing import crashes, race

FAILS_LATER = VISA | {"card_number": "4000 0000 0000 0341"}
MASTERCARD = VISA | {"card_number": "5555 5555 5555 4444"}
SUBMITS = 20
POSTGRES = os.environ.get("STOREFRONT_TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture(autouse=True)
def pool_for_every_racer(session, database_url):
    """A connection pool as wide as the race. Each racing request may hold two connections
    at once (its session, and the outbox or charge job started by an after_commit hook before
    the session lets its own go): 20 racers would starve the default pool (5 + 10) and time
    out after 30 s. Production runs 4 threads per process, well within the default pool."""
    narrow = db.engine
    db.session.remove()
    db.engine = make_engine(database_url, pool_size=2 * SUBMITS + 5, max_overflow=SUBMITS)
    db.session.configure(bind=db.engine)
    yield
    db.session.remove()
    db.engine.dispose()
    db.engine = narrow
    db.session.configure(bind=narrow)


def kinds(outcomes) -> dict[str, int]:
    return dict(Counter((o if isinstance(o, str) else "ok") if not isinstance(o, Exception)
                        else type(o).__name__ for o in outcomes))


def order_of(session, number: str) -> Order:
    session.expire_all()
    return session.scalars(select(Order).where(Order.number == number)).one()


def place(session, items, card=None, email="qa.us@example.com") -> str:
    me = user(session, email)
    checkout, seen = ready_checkout(session, me, items, card)
    return confirm(session, me, checkout, seen).orders[0].number


def gateway_moves(session, number: str, kind: str, succeeded: bool | None = True) -> int:
    """Money the test gateway really moved for this order (its own ledger)."""
    prefix = "charge-" if kind == "charge" else f"{kind}-"
    where = [TestGatewayCharge.kind == kind,
             TestGatewayCharge.idempotency_key.like(f"{prefix}{number}%")]
    if succeeded is not None:
        where.append(TestGatewayCharge.succeeded.is_(succeeded))
    session.rollback()
    return session.scalar(select(func.count()).select_from(TestGatewayCharge).where(*where))


def refunded_at_gateway(session, number: str) -> int:
    session.rollback()
    return session.scalar(select(func.coalesce(func.sum(TestGatewayCharge.amount_cents), 0))
                          .where(TestGatewayCharge.kind == "refund",
                                 TestGatewayCharge.idempotency_key.like(f"refund-{number}%")))


def emails_of(session, number: str, kind: str) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Email).where(
        Email.kind == kind, Email.subject.contains(number)))


def events_of(session, number: str, kind: str) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(OrderEvent).join(Order).where(
        Order.number == number, OrderEvent.kind == kind))


# --- Update Payment --------------------------------------------------------------------------

def failed_preorder(session) -> Order:
    """A preorder whose charge at the confirmed shipping date failed (R-PAY-4)."""
    number = place(session, {"aurora-knight-figure": 1}, FAILS_LATER)
    fulfilment.finalize_shipping_date(session, [order_of(session, number)],
                                      clock.today() + timedelta(days=30), actor="staff:test")
    failed = order_of(session, number)
    assert failed.payment_status == "failed", "the charge at the shipping date did not fail"
    session.commit()
    return failed


def update_payment_as_the_page_does(s, customer_id: int, number: str) -> str:
    """What POST /account/orders/<number>/payment does with a new card."""
    found = orders.get_for_customer(s, customer_id, number)
    if found.payment_status != "failed" or found.status != "placed":
        return "no payment to update"  # the view flashes this and redirects
    method = payment_methods.new_card(s, s.get(User, customer_id), gateway(), MASTERCARD)
    order_payments.update_payment(s, gateway(), orders.get_for_customer(s, customer_id, number),
                                  method)
    return "submitted"


def test_twenty_identical_update_payments_make_exactly_one_charge_R_PAY_4(session):
    failed = failed_preorder(session)
    number, customer_id = failed.number, failed.user_id
    outcomes = race([lambda s: update_payment_as_the_page_does(s, customer_id, number)]
                    * SUBMITS)
    done = order_of(session, number)
    charged = gateway_moves(session, number, "charge")
    recorded = session.scalar(select(func.count()).select_from(Payment).where(
        Payment.order_id == done.id, Payment.kind == "charge", Payment.status == "succeeded"))
    summary = (f"update payment: {SUBMITS} identical submissions at once -> {kinds(outcomes)}; "
               f"{charged} successful charge(s) at the gateway, {recorded} recorded; order "
               f"{done.payment_status}, paid {done.paid_cents}/{done.total_cents}; "
               f"{events_of(session, number, 'charged')} 'charged' event(s), "
               f"{events_of(session, number, 'payment_updated')} 'payment_updated' event(s)")
    print(summary)
    assert not crashes(outcomes), summary + f"\n{crashes(outcomes)}"
    assert charged == 1 and recorded == 1, summary
    assert done.payment_status == "paid" and done.paid_cents == done.total_cents, summary
    assert events_of(session, number, "charged") == 1, summary


def test_a_late_update_payment_does_not_replace_the_card_just_charged_R_PAY_4(session):
    failed = failed_preorder(session)
    number, customer_id = failed.number, failed.user_id
    with db.session.session_factory() as late:  # B: its request read the order first
        me = late.get(User, customer_id)
        card_b = payment_methods.new_card(late, me, gateway(), MASTERCARD)
        order_b = orders.get_for_customer(late, customer_id, number)
        late.commit()  # its read is done; the row is not held (expire_on_commit=False)
        assert update_payment_as_the_page_does(session, customer_id, number) == "submitted"
        charged_token = session.scalars(select(TestGatewayCharge.token).where(
            TestGatewayCharge.succeeded.is_(True),
            TestGatewayCharge.idempotency_key.like(f"charge-{number}%"))).one()
        session.commit()
        try:
            order_payments.update_payment(late, gateway(), order_b, card_b)
            told = "went through"
        except ServiceError as exc:
            late.rollback()
            told = f"refused: {exc.message}"
    done = order_of(session, number)
    shown = done.payment_method.token if done.payment_method else ""
    updates = events_of(session, number, "payment_updated")
    print(f"late update payment: the second submission was {told}; the order shows the "
          f"charged card: {shown == charged_token}; {updates} 'payment_updated' event(s)")
    assert shown == charged_token and updates == 1 and told.startswith("refused")


def test_a_submission_while_another_is_charging_changes_nothing_R_PAY_4(session):
    """The card is set in the same conditional UPDATE that claims the charge: a submission
    that loaded the order before another one claimed it is refused and changes nothing."""
    failed = failed_preorder(session)
    number, customer_id = failed.number, failed.user_id
    stale = orders.get_for_customer(session, customer_id, number)
    before = stale.payment_method_id
    method = payment_methods.new_card(session, session.get(User, customer_id), gateway(),
                                      MASTERCARD)
    with db.session.session_factory() as other:  # submission A claims the charge
        other.execute(update(Order).where(Order.number == number)
                      .values(payment_status="charging"))
        other.commit()
    try:
        order_payments.update_payment(session, gateway(), stale, method)
        told = "went through"
    except ServiceError as exc:
        told = f"refused: {exc.message}"
    session.rollback()
    done = order_of(session, number)
    print(f"update payment while another charges: {told}; card unchanged: "
          f"{done.payment_method_id == before}")
    assert told.startswith("refused") and done.payment_method_id == before
    assert events_of(session, number, "payment_updated") == 0


# --- staff: confirm the shipping date (charges the preorder) ---------------------------------

def confirm_date_as_staff(s, number: str, day) -> int:
    """What staff POST /admin/orders/<number>/shipping-date does."""
    return fulfilment.finalize_shipping_date(s, [fulfilment.get_order(s, number)], day,
                                             actor="staff:staff@example.com")


def raced_shipping_date(session) -> tuple[str, list, str]:
    number = place(session, {"aurora-knight-figure": 1})
    assert order_of(session, number).payment_status == "incomplete"
    day = clock.today() + timedelta(days=30)
    session.commit()
    outcomes = race([lambda s: confirm_date_as_staff(s, number, day)] * SUBMITS)
    order_payments.charge_due(session, gateway())  # the job, once more: still nothing to do
    done = order_of(session, number)
    summary = (f"confirm shipping date: {SUBMITS} identical staff submissions at once -> "
               f"{kinds(outcomes)}; {gateway_moves(session, number, 'charge', None)} "
               f"charge(s), order {done.payment_status}; "
               f"{emails_of(session, number, 'shipping_date')} shipping-date email(s), "
               f"{events_of(session, number, 'shipping_date')} shipping-date event(s)")
    print(summary)
    return number, outcomes, summary


def test_twenty_identical_shipping_date_confirmations_make_exactly_one_charge_R_PAY_3(session):
    number, outcomes, summary = raced_shipping_date(session)
    assert gateway_moves(session, number, "charge", None) == 1, summary
    assert order_of(session, number).payment_status == "paid", summary


def test_twenty_identical_shipping_date_confirmations_email_the_customer_once_R_PAY_3(session):
    number, outcomes, summary = raced_shipping_date(session)
    assert not crashes(outcomes), summary + f"\n{crashes(outcomes)}"
    assert emails_of(session, number, "shipping_date") == 1, summary
    assert events_of(session, number, "shipping_date") == 1, summary


def test_a_late_shipping_date_confirmation_sends_no_second_email_R_PAY_3(session):
    number = place(session, {"aurora-knight-figure": 1})
    day = clock.today() + timedelta(days=30)
    session.commit()
    with db.session.session_factory() as late:
        order_b = fulfilment.get_order(late, number)
        late.commit()
        confirm_date_as_staff(session, number, day)
        session.commit()
        fulfilment.finalize_shipping_date(late, [order_b], day, actor="staff:other")
    mails = emails_of(session, number, "shipping_date")
    print(f"late shipping-date confirmation: {mails} shipping-date email(s), "
          f"{gateway_moves(session, number, 'charge', None)} charge(s)")
    assert mails == 1


# --- staff: mark returned, customer: cancel (both refund) --------------------------------------

def shipped_paid_order(session) -> str:
    number = place(session, {"pocket-cat-keychain": 5})  # 60.00 + 18.00, paid at ordering
    fulfilment.mark_shipped(session, order_of(session, number), "UPS", "1Z999AA1",
                            actor="staff:test")
    return number


def mark_returned_as_staff(s, number: str):
    """What staff POST /admin/orders/<number>/returned does (round trip 20.00)."""
    return fulfilment.mark_returned(s, gateway(), fulfilment.get_order(s, number),
                                    actor="staff:staff@example.com", round_trip_cents=2000)


def cancel_as_customer(s, customer_id: int, number: str):
    """What POST /account/orders/<number>/cancel does."""
    return aftercare.cancel(s, gateway(), orders.get_for_customer(s, customer_id, number),
                            s.get(User, customer_id), "mistake")


def refund_race(session, action: str) -> tuple[str, int, list, str]:
    if action == "mark returned":
        number = shipped_paid_order(session)
        due = order_of(session, number).paid_cents - 2000
        session.commit()
        outcomes = race([lambda s: mark_returned_as_staff(s, number)] * SUBMITS)
    else:
        number = place(session, {"grand-castle-diorama": 1})  # above the threshold: paid now
        placed = order_of(session, number)
        assert placed.payment_status == "paid"
        due, customer_id = placed.paid_cents, placed.user_id
        session.commit()
        outcomes = race([lambda s: cancel_as_customer(s, customer_id, number)] * SUBMITS)
    done = order_of(session, number)
    summary = (f"{action}: {SUBMITS} identical submissions at once -> {kinds(outcomes)}; "
               f"{gateway_moves(session, number, 'refund')} refund(s) at the gateway for "
               f"{refunded_at_gateway(session, number)} cents (due {due}), order {done.status} "
               f"refunded_cents {done.refunded_cents}; "
               f"{emails_of(session, number, 'cancelled')} cancellation and "
               f"{emails_of(session, number, 'refund')} refund email(s)")
    print(summary)
    return number, due, outcomes, summary


@pytest.mark.parametrize("action", ["mark returned", "cancel"])
def test_twenty_identical_refunding_submissions_make_exactly_one_refund_R_RET_3_R_RET_4(
        session, action):
    number, due, _outcomes, summary = refund_race(session, action)
    done = order_of(session, number)
    assert gateway_moves(session, number, "refund") == 1, summary
    assert refunded_at_gateway(session, number) == due == done.refunded_cents, summary
    assert done.status == ("returned" if action == "mark returned" else "cancelled"), summary


@pytest.mark.parametrize("action", ["mark returned", "cancel"])
def test_twenty_identical_refunding_submissions_answer_and_email_once_R_RET_3_R_RET_4(
        session, action):
    number, _due, outcomes, summary = refund_race(session, action)
    assert not crashes(outcomes), summary + f"\n{crashes(outcomes)[:2]}"
    assert emails_of(session, number, "cancelled") == 1, summary
    assert emails_of(session, number, "refund") == 1, summary


@pytest.mark.parametrize("action", ["mark returned", "cancel"])
def test_a_late_refunding_submission_is_refused_not_a_server_error_R_RET_3_R_RET_4(
        session, action):
    if action == "mark returned":
        number = shipped_paid_order(session)
    else:
        number = place(session, {"grand-castle-diorama": 1})
    customer_id = order_of(session, number).user_id
    session.commit()
    with db.session.session_factory() as late:
        order_b = fulfilment.get_order(late, number)
        me = late.get(User, customer_id)
        late.commit()
        if action == "mark returned":
            mark_returned_as_staff(session, number)
        else:
            cancel_as_customer(session, customer_id, number)
        session.commit()
        try:
            if action == "mark returned":
                fulfilment.mark_returned(late, gateway(), order_b, actor="staff:other",
                                         round_trip_cents=2000)
            else:
                aftercare.cancel(late, gateway(), order_b, me, "mistake")
            answer = "done again"
        except ServiceError as exc:
            answer = f"refused: {exc.message}"
        except Exception as exc:  # what the view would turn into a 500
            answer = f"server error: {type(exc).__name__}"
        late.rollback()
    mails = emails_of(session, number, "cancelled")
    print(f"late {action}: the second request was {answer}; {mails} 'cancelled' email(s), "
          f"{gateway_moves(session, number, 'refund')} refund(s)")
    assert answer.startswith("refused") and mails == 1


# --- per-customer limits (R-CAT-5) ---------------------------------------------------------------

def open_checkouts(session, person: User, count: int) -> list[str]:
    """`count` open checkouts of one customer, every step done (as if from several tabs or
    devices), all over the customer's one cart."""
    first, _seen = ready_checkout(session, person, {})
    tokens = [first.token]
    for _ in range(count - 1):
        twin = Checkout(token=secrets.token_urlsafe(24), user_id=person.id, status="open",
                        shipping_address=dict(first.shipping_address),
                        billing_address=dict(first.billing_address or
                                             first.shipping_address),
                        billing_same=first.billing_same,
                        payment_method_id=first.payment_method_id, created_at=clock.now())
        session.add(twin)
        tokens.append(twin.token)
    session.commit()
    return tokens


@pytest.mark.filterwarnings("ignore:DELETE statement on table 'cart_lines'")  # one cart, 8 tabs
def test_the_same_customer_ordering_in_parallel_never_exceeds_a_per_customer_limit_R_CAT_5(
        session):
    limit, racers = 3, 8
    results = {}
    for slug in ("pocket-cat-keychain", "aurora-knight-figure"):  # charged now; later
        session.execute(update(Product).where(Product.slug == slug)
                        .values(per_customer_limit=limit))
        session.commit()
        me = user(session)
        carts.add(session, carts.Owner(user_id=me.id, region=me.region), slug, 1)
        tokens = open_checkouts(session, me, racers)
        stock_before = product(session, slug).stock
        product_id, me_id = product(session, slug).id, me.id
        session.commit()

        def attempt(token, slug=slug, product_id=product_id, me_id=me_id):
            def job(s):
                """Put one unit back in the cart if the last order emptied it, then confirm
                this checkout: what a customer does in one of several tabs."""
                last = None
                for _ in range(racers):
                    owner = carts.Owner(user_id=me_id, region="US")
                    try:
                        cart = carts.get(s, owner)
                        if cart is None or not cart.lines:
                            carts.add(s, owner, slug, 1)
                        else:
                            carts.set_quantity(s, owner, product_id, 1)
                        seen = checkout_steps.fingerprint(carts.get(s, owner))
                        s.commit()
                        return confirm(s, s.get(User, me_id), by_token(s, token), seen,
                                       Rules())
                    except ServiceError as exc:
                        s.rollback()
                        last = exc
                        if isinstance(exc, LimitExceeded):
                            raise
                    except Exception as exc:  # a unique cart line raced in: try again
                        s.rollback()
                        if "UNIQUE" not in str(exc).upper() and "unique" not in str(exc):
                            raise
                raise last or ServiceError("no attempt made")
            return job

        outcomes = race([attempt(t) for t in tokens])
        session.rollback()
        ordered = session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))
                                 .join(Order).where(Order.user_id == me_id,
                                                    OrderLine.product_id == product_id,
                                                    Order.status.in_(("placed",
                                                                      "pending_payment"))))
        stock_after = session.scalar(select(Product.stock).where(Product.id == product_id))
        by_limit = [o for o in outcomes if isinstance(o, LimitExceeded)]
        results[slug] = (ordered, kinds(outcomes), len(by_limit), stock_before, stock_after)
        assert not crashes(outcomes), f"{slug}: {crashes(outcomes)}"
        assert ordered <= limit, f"{slug}: {ordered} ordered, limit {limit}: {results[slug]}"
        assert ordered == limit and by_limit, f"{slug}: {results[slug]}"
        if stock_before is not None:
            assert stock_before - stock_after == ordered, f"{slug}: stock {results[slug]}"
        carts.empty(session, carts.get(session, carts.Owner(user_id=me_id)))
        session.commit()
    summary = "; ".join(
        f"{slug}: {racers} checkouts of one customer confirmed at once -> {k}, {n} units "
        f"ordered (limit {limit}), {refused} refused by the per-customer limit, stock "
        f"{before}->{after}" for slug, (n, k, refused, before, after) in results.items())
    print(f"per-customer limit races: {summary}")


def by_token(s, token: str) -> Checkout:
    return s.scalars(select(Checkout).where(Checkout.token == token)).one()
