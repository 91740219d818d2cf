"""A worker process killed (SIGKILL) in the middle of a checkout leaves no half-written
order and no taken stock without an order; the customer's retry succeeds once
(issue: nothing lost, item 5)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta

from sqlalchemy import func, select

from storefront import clock
from storefront.models import Checkout, Order, TestGatewayCharge
from storefront.services import recovery
from tests.builders import confirm, gateway, product, ready_checkout, user
from tests.money import assert_money_adds_up

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from sqlalchemy import select
    from storefront import create_app
    from storefront.extensions import db
    from storefront.models import User
    from storefront.payments.testgateway import TestGateway
    from storefront.services import placing
    from storefront.services.checkout_steps import Rules

    class KilledWhileCharging(TestGateway):
        def charge(self, token, amount, key):
            super().charge(token, amount, key)
            os.kill(os.getpid(), signal.SIGKILL)  # the answer never gets recorded

    app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "test"})
    with app.app_context():
        me = db.session.scalars(select(User).where(User.email == sys.argv[2])).one()
        placing.confirm(db.session, user=me, token=sys.argv[3], seen=sys.argv[4],
                        gateway=KilledWhileCharging(db.session.session_factory),
                        rules=Rules())
""")


def count(session, model, *where):
    session.rollback()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_worker_killed_mid_checkout_leaves_nothing_half_done(session, database_url):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"last-one-artbook": 1})
    session.commit()
    session.remove()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    killed = subprocess.run([sys.executable, "-c", SCRIPT, database_url, me.email,
                             checkout.token, seen], env=env, capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert session.get(Checkout, checkout.id).status == "placing"  # the crash, as it was left
    clock.use(clock.now() + timedelta(minutes=11))
    assert recovery.recover_checkouts(session, gateway()) == {"completed": 1, "undone": 0,
                                                              "waiting": 0}
    (order,) = session.scalars(select(Order)).all()
    assert (order.status, order.payment_status) == ("placed", "paid")
    assert product(session, "last-one-artbook").stock == 0
    assert count(session, TestGatewayCharge) == 1
    again = confirm(session, user(session), checkout, seen)  # the customer's retry
    assert again.status == "completed" and count(session, Order) == 1
    assert_money_adds_up(session)
    print("crash: worker killed after charging; recovery completed 1 order, 1 charge")
