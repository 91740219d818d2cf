"""SQL LIKE patterns from what a person typed: `%` and `_` are matched as themselves."""
from __future__ import annotations

ESCAPE = "\\"  # pass as `escape=` next to every pattern made here


def escaped(text: str) -> str:
    """The text with LIKE's wildcards (and the escape character) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def containing(text: str) -> str:
    """A pattern matching any value that contains the text."""
    return f"%{escaped(text)}%"
