"""Ids from outside (button data, deep links, typed numbers) are refused unless they can name a row."""

from __future__ import annotations

import pytest

from core.db.ids import MAX_ID, is_id


@pytest.mark.parametrize("text", ["1", "42", str(MAX_ID)])
def test_plain_digits_within_integer_are_ids(text: str) -> None:
    assert is_id(text)


@pytest.mark.parametrize("text", ["", "0", "-1", "1.0", " 1", str(MAX_ID + 1), "²", "١٢", "1²", "９"])
def test_anything_else_is_refused_without_raising(text: str) -> None:
    assert not is_id(text)
