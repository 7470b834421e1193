"""The kecamatan profile: the sample loads, and every fault is named where it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.domain.sla import Span, Stage
from core.profile import SAMPLE_PROFILE, ProfileError, load_profile

SAMPLE = SAMPLE_PROFILE.read_text(encoding="utf-8")
PREFIX = 'ticket_prefix = "PTL"'  # a top-level line of the sample, to add top-level settings after


def _load(tmp_path: Path, text: str) -> ProfileError:
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    return caught.value


def test_sample_profile_of_pattallassang() -> None:
    profile = load_profile(SAMPLE_PROFILE)
    assert profile.ticket_prefix == "PTL" and profile.timezone == "Asia/Makassar"
    assert [d.name for d in profile.desa] == ["Bajeng", "Kalabbirang", "Maradekaya", "Pallantikang", "Pappa",
                                              "Pattallassang", "Sabintang", "Salaka", "Sombala Bella"]
    assert {g.code for g in profile.category_groups} == {"lingkungan", "infrastruktur", "sosial", "aspirasi"}
    lampu = profile.category("lampu_jalan")
    assert lampu is not None and lampu.sla.span(Stage.VERIFY) == Span(minutes=120)
    assert profile.category("saran") is not None and profile.category("saran").report_type == "aspiration"  # type: ignore[union-attr]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(tmp_path / "nope.toml")
    assert "file not found" in caught.value.problems[0] and "KECAMATAN_PROFILE" in caught.value.problems[0]


def test_broken_toml(tmp_path: Path) -> None:
    error = _load(tmp_path, "name = \n")
    assert error.problems[0].startswith("not valid TOML")


@pytest.mark.parametrize(("change", "expected"), [
    (('verify = "2h", accept = "4h", resolve = "2d"', 'verify = "2x", accept = "4h", resolve = "2d"'),
     "categories[0].sla.verify: '2x' is not a duration like '30m', '2h', '3d' or '1d4h'"),
    (('ticket_prefix = "PTL"', 'ticket_prefix = "ptl1"'), "ticket_prefix: String should match pattern"),
    (('timezone = "Asia/Makassar"', 'timezone = "Asia/Bogor"'),
     "timezone: 'Asia/Bogor' is not a time zone name like 'Asia/Makassar'"),
    (('group = "infrastruktur"\nlabel = "Lampu jalan"', 'group = "listrik"\nlabel = "Lampu jalan"'),
     "category 'lampu_jalan' names group 'listrik', which is not in category_groups"),
    (('mon = "07:30-16:00"', 'mon = "16:00-07:30"'), "working_hours.mon: '16:00-07:30': closing time must be after"),
    (('name = "Salaka"', 'name = "Bajeng"'), "desa: 'bajeng' appears twice"),
    (('[[desa]]\nname = "Bajeng"\n', '[[desa]]\nname = "Bajeng"\nluas = 3\n'),
     "desa[0].luas: Extra inputs are not permitted"),
    ((PREFIX, f"{PREFIX}\nextension_days = [0, 3]"), "extension_days: [0, 3] must be at least 1 day each"),
    ((PREFIX, f"{PREFIX}\nextension_days = [7, 3]"),
     "extension_days: [7, 3] must be in rising order without repeats, e.g. [1, 3, 7]"),
    ((PREFIX, f"{PREFIX}\nextension_days = [3, 3]"), "extension_days: [3, 3] must be in rising order"),
    ((PREFIX, f"{PREFIX}\nextension_days = [1, 14]\nextension_max_days = 10"),
     "extension_days: 14 is more than extension_max_days (10)"),
])
def test_each_fault_is_named(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in SAMPLE
    problems = _load(tmp_path, SAMPLE.replace(old, new, 1)).problems
    assert any(expected in p for p in problems), problems


def test_the_extend_menu_and_its_cap_come_from_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "profile.toml"
    path.write_text(SAMPLE.replace(PREFIX, f"{PREFIX}\nextension_days = [2, 5, 14]\nextension_max_days = 14", 1),
                    encoding="utf-8")
    profile = load_profile(path)
    assert (profile.extension_days, profile.extension_max_days) == ([2, 5, 14], 14)
    assert load_profile(SAMPLE_PROFILE).extension_days == [1, 3, 7]  # the default
