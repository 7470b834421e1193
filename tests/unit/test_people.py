from __future__ import annotations

import pytest

from core.domain.people import InvalidPhone, mask_phone, mask_phones_in, normalise_phone, staff_view_of_reporter


@pytest.mark.parametrize("raw", [
    "081234567890", "6281234567890", "+6281234567890", "+62 812-3456-7890", "0812 3456 7890", " 0812-3456-7890 ",
])
def test_one_person_however_the_number_is_written(raw: str) -> None:
    assert normalise_phone(raw) == "6281234567890"


@pytest.mark.parametrize("raw", ["", "halo", "123", "+62", "08"])
def test_not_a_number(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


def test_foreign_numbers_keep_their_country() -> None:
    assert normalise_phone("+60 12-345 6789") == "60123456789"


def test_officers_see_a_masked_number() -> None:
    assert mask_phone("628123456789") == "0812****789"
    assert mask_phone("6281234567890") == "0812*****890"


@pytest.mark.parametrize(("story", "shown"), [
    ("hubungi saya 0812 3456 7890 ya", "hubungi saya 0812*****890 ya"),
    ("WA +62 813-1234-5678 atau 6281234567890", "WA 0813*****678 atau 0812*****890"),
    *[(kept, kept) for kept in ("Jl. Poros no. 12, RT 03/RW 05, tgl 12-11-2026 jam 14.30",
                                "rumah no 1234567, laporan 42")],
])
def test_numbers_in_free_text_are_masked_and_nothing_else(story: str, shown: str) -> None:
    assert mask_phones_in(story) == shown


def test_staff_see_a_normal_reports_masked_number_and_nothing_else() -> None:
    assert staff_view_of_reporter("normal", "6281234567890") == "0812*****890"
    assert staff_view_of_reporter("anonymous", "6281234567890") == ""
    assert staff_view_of_reporter("confidential", "6281234567890") == ""
    assert staff_view_of_reporter("normal", "o311-3f9a0c2b1d4e5f6") == ""  # no WhatsApp number (Open311): none shown
