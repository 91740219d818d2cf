"""Builders for catalogue tests at size: many products with series, makers and characters
(the same bulk products QA's POST /_qa/catalogue and bench/catalogue.py add)."""
from __future__ import annotations

from storefront.services.demo import many_products

__all__ = ["many_products"]
