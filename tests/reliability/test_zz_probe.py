from sqlalchemy import select

from storefront.models import TestGatewayCharge
from tests.reliability.test_double_submits import (
    SUBMITS,
    events_of,
    failed_preorder,
    kinds,
    order_of,
    race,
    update_payment_as_the_page_does,
)


def test_probe(session):
    failed = failed_preorder(session)
    number, customer_id = failed.number, failed.user_id
    outcomes = race([lambda s: update_payment_as_the_page_does(s, customer_id, number)] * SUBMITS)
    done = order_of(session, number)
    charged = session.scalars(select(TestGatewayCharge.token).where(
        TestGatewayCharge.succeeded.is_(True),
        TestGatewayCharge.idempotency_key.like(f"charge-{number}%"))).one()
    print("PROBE", kinds(outcomes), "match", done.payment_method.token == charged, events_of(session, number, "payment_updated"))
