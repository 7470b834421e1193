"""The bound of the tables' ids: they are INTEGER columns, and PostgreSQL refuses a larger value in a query."""

from __future__ import annotations

MAX_ID = 2**31 - 1


def is_id(text: str) -> bool:
    """Whether text from outside (a button's id part, a deep link) can name a database row: digits, within INTEGER."""
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID  # "²".isdigit(), but int("²") raises
