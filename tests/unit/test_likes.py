"""One LIKE-escaping helper for every search that takes typed text."""
from __future__ import annotations

from sqlalchemy import literal, select

from storefront.services import likes


def test_wildcards_and_the_escape_character_are_matched_as_themselves():
    assert likes.escaped(r"50%_off\x") == r"50\%\_off\\x"
    assert likes.containing("a_b") == r"%a\_b%"


def test_an_escaped_pattern_matches_only_the_typed_text(session):
    def matches(value: str, typed: str) -> bool:
        query = select(literal(value).ilike(likes.containing(typed), escape=likes.ESCAPE))
        return bool(session.scalar(query))

    assert matches("Save 50% today", "50%") and not matches("Save 500 today", "50%")
    assert matches("a_b", "a_b") and not matches("axb", "a_b")
    assert matches(r"C:\path", "\\") and not matches("C:/path", "\\")
