"""A production store never runs on the test gateway (issue 11, item 7)."""
from __future__ import annotations

import pytest

from storefront import config


def production(**extra):
    return config.load({"ENV": "production", "SECRET_KEY": "k" * 64,
                        "BASE_URL": "https://shop.example", **extra}, environ={})


@pytest.mark.parametrize("gateway", ["test", ""])
def test_production_refuses_the_test_gateway_or_none_with_a_clear_message(gateway):
    with pytest.raises(config.ConfigError, match="STOREFRONT_PAYMENT_GATEWAY"):
        config.check(production(PAYMENT_GATEWAY=gateway))


def test_production_starts_with_a_real_provider_and_development_keeps_the_test_one():
    config.check(production(PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY="sk_live_x"))
    config.check(config.load({}, environ={}))
    assert config.load({}, environ={})["PAYMENT_GATEWAY"] == "test"


def test_qa_mode_loosens_the_sign_in_throttles_unless_the_environment_names_them():
    qa = config.load({"QA_MODE": True}, environ={})
    assert qa["LOGIN_RATE_LIMIT"] == "600 per minute"
    named = config.load({"QA_MODE": True},
                        environ={"STOREFRONT_LOGIN_RATE_LIMIT": "3 per minute"})
    assert named["LOGIN_RATE_LIMIT"] == "3 per minute"
    assert config.load({}, environ={})["LOGIN_RATE_LIMIT"].startswith("10 per minute")
