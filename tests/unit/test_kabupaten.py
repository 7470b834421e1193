"""The install as a set: the Takalar sample loads, a profile alone is a kabupaten of one, and what two
kecamatan may not share is refused naming the files and keys."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.domain.sla import Span, Stage
from core.kabupaten import SAMPLE_KABUPATEN, Kabupaten, load_install, load_kabupaten
from core.profile import SAMPLE_PROFILE, ProfileError, load_profile

SAMPLE_DIR = SAMPLE_KABUPATEN.parent


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "takalar"
    shutil.copytree(SAMPLE_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(path: Path) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        load_kabupaten(path)
    return caught.value.problems


def test_the_takalar_sample_holds_nine_kecamatan_and_their_hundred_desa() -> None:
    takalar = load_kabupaten(SAMPLE_KABUPATEN)
    assert takalar.name == "Kabupaten Takalar" and len(takalar) == 9
    assert sum(len(p.desa) for p in takalar) == 100
    assert len({p.ticket_prefix for p in takalar}) == 9
    galesong = takalar.profile("galesong")
    assert galesong.kabupaten == "Kabupaten Takalar" and galesong.timezone == "Asia/Makassar"
    assert galesong.category("sampah") is not None  # shared categories reach every kecamatan
    assert galesong.working_hours.extra_holidays  # and the cuti bersama
    assert takalar.by_phone_id(galesong.whatsapp_phone_id or "") is galesong
    assert takalar.by_chat(galesong.telegram.field_chat_ids[0]) is galesong
    assert takalar.by_phone_id("999999999") is None and takalar.by_chat(-1) is None
    assert {a.code for a in takalar.agencies} == {"pupr", "pdam", "pln"}
    pln = takalar.agency("pln")
    assert pln is not None and pln.telegram_chat_id is None and pln.sla == Span(days=5)


def test_a_profile_alone_is_a_kabupaten_of_one() -> None:
    alone = load_install(None, SAMPLE_PROFILE)
    assert len(alone) == 1 and alone.first.code == "pattallassang" and alone.name == "Kabupaten Takalar"
    assert alone.profile("") is alone.first  # a row from before kabupaten installs belongs to the one kecamatan
    # Its number is the install's WHATSAPP_PHONE_ID when the profile names none.
    assert alone.by_phone_id("123456789", default="123456789") is alone.first
    assert alone.phone_ids(default="123456789") == {"123456789"}


def test_neither_or_both_files_is_an_error_saying_what_to_set() -> None:
    with pytest.raises(ProfileError) as neither:
        load_install(None, None)
    assert "no kecamatan configured" in neither.value.problems[0]
    with pytest.raises(ProfileError) as both:
        load_install(SAMPLE_KABUPATEN, SAMPLE_PROFILE)
    assert "not both" in both.value.problems[0]


def test_what_two_kecamatan_may_not_share_is_named(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder / "galesong.toml", 'ticket_prefix = "GLS"', 'ticket_prefix = "PTL"')
    _edit(folder / "sanrobone.toml", "desk_chat_id = -1001000000091", "desk_chat_id = -1001000000001")
    _edit(folder / "mappakasunggu.toml", 'name = "Patani"', 'name = "Bajeng"')
    _edit(folder / "galesong_utara.toml", 'whatsapp_phone_id = "106540352243004"',
          'whatsapp_phone_id = "106540352242922"')
    problems = _problems(folder / "kabupaten.toml")
    assert "galesong.toml: ticket_prefix 'PTL' is also pattallassang.toml's" in problems[0]
    joined = "\n".join(problems)
    assert "sanrobone.toml: telegram.desk_chat_id -1001000000001 is also pattallassang.toml's" in joined
    assert "mappakasunggu.toml: desa 'bajeng' is also pattallassang.toml's" in joined
    assert "galesong_utara.toml: whatsapp_phone_id '106540352242922' is also pattallassang.toml's" in joined
    assert len(problems) == 4


def test_faults_inside_a_profile_name_the_file_and_key(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder / "galesong.toml", 'ticket_prefix = "GLS"', 'ticket_prefix = "gls"')
    _edit(folder / "sanrobone.toml", 'code = "sanrobone"', 'code = "sanrobone"\ntimezone = "Asia/Jakarta"')
    _edit(folder / "kabupaten.toml", '"sanrobone.toml"]', '"sanrobone.toml", "missing.toml"]')
    joined = "\n".join(_problems(folder / "kabupaten.toml"))
    assert "galesong.toml: ticket_prefix: String should match pattern" in joined
    assert "sanrobone.toml: timezone = 'Asia/Jakarta' differs from the kabupaten's 'Asia/Makassar'" in joined
    assert "missing.toml: file not found" in joined


def test_a_profile_overrides_a_shared_category_by_code(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "galesong.toml").write_text(
        (folder / "galesong.toml").read_text(encoding="utf-8")
        + '\n[[categories]]\ncode = "sampah"\nsla = { verify = "1h", accept = "2h", resolve = "1d" }\n',
        encoding="utf-8")
    takalar = load_kabupaten(folder / "kabupaten.toml")
    own, shared = takalar.profile("galesong").category("sampah"), takalar.profile("sanrobone").category("sampah")
    assert own is not None and shared is not None
    assert own.sla.span(Stage.RESOLVE) == Span(days=1) and shared.sla.span(Stage.RESOLVE) == Span(days=2)
    assert own.label == shared.label == "Sampah"  # the rest of the entry is the shared one


def test_an_agency_chat_may_not_be_a_kecamatan_chat(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder / "kabupaten.toml", "telegram_chat_id = -1001000000901", "telegram_chat_id = -1001000000002")
    joined = "\n".join(_problems(folder / "kabupaten.toml"))
    assert "kabupaten.toml: agency pupr's telegram_chat_id -1001000000002 is also pattallassang.toml's" in joined


def test_of_one_names_the_kabupaten_from_the_profile() -> None:
    profile = load_profile(SAMPLE_PROFILE)
    assert Kabupaten.of_one(profile).code == "kabupaten-takalar"


def test_the_files_staff_are_checked_on_load(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder / "kabupaten.toml", 'role = "kabupaten_admin"',
          'role = "kabupaten_admin"\n\n[[staff]]\ntelegram_id = 3001\nname = "Hasnah lagi"\nrole = "bupati"')
    assert _problems(folder / "kabupaten.toml") == [  # the key, and what it may be
        "staff[1].role: Input should be 'kabupaten_admin' or 'inspektorat'"]
    _edit(folder / "kabupaten.toml", 'role = "bupati"', 'role = "inspektorat"')
    assert _problems(folder / "kabupaten.toml") == [
        "kabupaten.toml: staff telegram_id 3001 appears twice (one entry per person)"]


def test_an_agencys_categories_must_be_the_installs(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit(folder / "kabupaten.toml", 'categories = ["jalan_rusak", "drainase", "fasilitas_umum"]',
          'categories = ["jalan_rusak", "drainse", "fasilitas_umum"]')
    _edit(folder / "kabupaten.toml", 'categories = ["lampu_jalan"]', 'categories = ["listrik"]')
    assert _problems(folder / "kabupaten.toml") == [
        "kabupaten.toml: agencies[0].categories: 'drainse' (agency 'pupr') is no kecamatan's category",
        "kabupaten.toml: agencies[2].categories: 'listrik' (agency 'pln') is no kecamatan's category"]
