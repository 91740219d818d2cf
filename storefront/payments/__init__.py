"""Payment gateways behind one protocol; the store keeps tokens, never card numbers."""
from __future__ import annotations

from storefront.payments.gateway import (
    CardDetails,
    ChargeResult,
    Gateway,
    GatewayDeclined,
    SavedMethod,
)

__all__ = ["CardDetails", "ChargeResult", "Gateway", "GatewayDeclined", "SavedMethod"]
