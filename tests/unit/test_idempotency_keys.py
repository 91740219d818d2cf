"""The provider's idempotency keys are spelt in one place (R-CHK-2: a replay reuses its key)."""
from __future__ import annotations

from storefront.services import idempotency


def test_a_key_names_the_movement_and_the_order_and_the_attempt_when_there_can_be_several():
    assert idempotency.key("charge", "SF-ABCD-EFGH") == "charge-SF-ABCD-EFGH"
    assert idempotency.key("refund", "SF-ABCD-EFGH", 2) == "refund-SF-ABCD-EFGH-2"
