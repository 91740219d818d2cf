"""Card checks before the gateway sees a card (R-CHK-5)."""
from __future__ import annotations

from datetime import date

import pytest

from storefront.payments import card_checks


@pytest.mark.parametrize("number, brand", [
    ("4242 4242 4242 4242", "Visa"),
    ("5555-5555-5555-4444", "Mastercard"),
    ("2223003122003222", "Mastercard"),
    ("3530111333300000", "JCB"),
    ("378282246310005", "American Express"),
    ("36227206271667", "Diners Club"),
    ("6011111111111117", None),  # Discover: not accepted
])
def test_the_brand_comes_from_the_number_R_CHK_5(number, brand):
    assert card_checks.brand(number) == brand
    assert card_checks.luhn_ok(number)


def test_a_mistyped_number_fails_the_luhn_check():
    assert not card_checks.luhn_ok("4242 4242 4242 4241")
    assert not card_checks.luhn_ok("abcd")


def test_card_problems_name_each_field_R_CHK_5():
    today = date(2027, 5, 1)
    assert card_checks.card_problems("4242424242424242", "05/27", "123", "Q", today) == {}
    problems = card_checks.card_problems("6011111111111117", "04/27", "12", "", today)
    assert set(problems) == {"card_number", "card_expiry", "card_cvc", "card_name"}
    assert "expired" in problems["card_expiry"]
    amex = card_checks.card_problems("378282246310005", "12/30", "123", "Q", today)
    assert "4-digit" in amex["card_cvc"]


@pytest.mark.parametrize("text, parsed", [("12/34", (12, 2034)), ("1/2030", (1, 2030)),
                                          ("13/30", None), ("1234", None), ("", None)])
def test_expiry_is_read_as_mm_yy(text, parsed):
    assert card_checks.parse_expiry(text) == parsed
