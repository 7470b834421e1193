"""Finding a desa in a kabupaten: a shared point (boundary, else nearest centroid, else the kecamatan of the
nearest office), a typed name, and the kabupaten file's wide number, checked when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.domain.geo import inside
from core.domain.places import Place, key, locate, match_name, nearest_office
from core.kabupaten import SAMPLE_KABUPATEN, load_kabupaten
from core.profile import ProfileError
from reporter_bot.kabupaten_line import ROWS_MAX, page_rows
from reporter_bot.outgoing import Row

SQUARE = ((-5.30, 119.36), (-5.30, 119.38), (-5.32, 119.38), (-5.32, 119.36))
PLACES = (
    Place("galesong", "Boddia", centroid=(-5.31, 119.37), boundary=SQUARE),
    Place("sanrobone", "Banyuanyara", centroid=(-5.50, 119.40)),
    Place("pattallassang", "Bajeng", centroid=(-5.20, 119.50)),
    Place("pattallassang", "Pattallassang"),
    Place("polombangkeng_utara", "Lassang"),
    Place("polombangkeng_utara", "Lassang Barat"),
    Place("galesong", "Bonto Loe"),
)
OFFICES = {"galesong": (-5.32, 119.37), "galesong_utara": (-5.28, 119.38), "sanrobone": (-5.47, 119.40)}


def test_a_point_in_a_boundary_is_that_desas_and_one_outside_is_not() -> None:
    assert inside(-5.31, 119.37, SQUARE)
    assert not inside(-5.33, 119.37, SQUARE) and not inside(-5.31, 119.39, SQUARE)
    assert locate(PLACES, -5.31, 119.37, 3000) == PLACES[0]


def test_without_a_boundary_the_nearest_centroid_within_the_distance_is_taken() -> None:
    assert locate(PLACES, -5.51, 119.40, 3000) == PLACES[1]  # about 1.1 km from Banyuanyara
    assert locate(PLACES, -5.21, 119.50, 3000) == PLACES[2]
    assert locate(PLACES, -5.60, 119.40, 3000) is None  # 11 km from the nearest: in no desa we know
    # Near Boddia's centroid but outside its boundary: not Boddia (a boundary is the rule where there is one).
    assert locate(PLACES, -5.325, 119.37, 3000) is None


def test_in_no_desa_the_kecamatan_of_the_nearest_office_within_the_distance_is_taken() -> None:
    assert nearest_office(OFFICES, -5.31, 119.372, 3000) == "galesong"  # 1.1 km from it, 3.4 km from Galesong Utara's
    assert nearest_office(OFFICES, -5.295, 119.378, 3000) == "galesong_utara"  # between the two, nearer the north
    assert nearest_office(OFFICES, -5.47, 119.40, 3000) == "sanrobone"  # at the office itself
    assert nearest_office(OFFICES, -5.40, 119.40, 3000) is None  # 7.8 km from the nearest office: we cannot say
    assert nearest_office(OFFICES, -5.31, 119.372, 1000) is None  # the kabupaten's distance holds here too
    assert nearest_office({}, -5.31, 119.372, 3000) is None


def test_each_sample_camats_office_is_its_own_kecamatans_without_the_desa_centroids() -> None:
    """Desa without boundary or centroid: a shared point is placed by the offices alone (the sample's
    centroids are checked in test_takalar_centroids)."""
    takalar = load_kabupaten(SAMPLE_KABUPATEN)
    assert takalar.whatsapp is not None
    within = takalar.whatsapp.nearest_within
    bare = [Place(p.kecamatan, p.desa) for p in takalar.places]
    assert set(takalar.offices) == set(takalar.profiles)
    for code, (lat, lon) in takalar.offices.items():
        assert locate(bare, lat, lon, within) is None
        assert nearest_office(takalar.offices, lat, lon, within) == code
        assert nearest_office(takalar.offices, lat + 0.01, lon + 0.01, within) == code  # 1.6 km away


@pytest.mark.parametrize("typed, desa", [
    ("pattalasang", "Pattallassang"),  # a small typo
    ("Desa  Bajeng", "Bajeng"),  # the prefix, case and spacing
    ("desa bajeng", "Bajeng"),
    ("KELURAHAN bajeng.", "Bajeng"),
    ("bontoloe", "Bonto Loe"),  # spacing inside the name
    ("Bonto  loe", "Bonto Loe"),
    ("lassang barat", "Lassang Barat"),
    ("lassang", "Lassang"),  # an exact name wins over a longer one that starts like it
])
def test_a_typed_desa_is_found_tolerantly(typed: str, desa: str) -> None:
    found = match_name(PLACES, typed)
    assert found.place is not None and found.place.desa == desa


def test_an_unknown_name_finds_nothing_and_a_vague_one_offers_the_close_ones() -> None:
    assert match_name(PLACES, "Zzyzx").place is None and not match_name(PLACES, "Zzyzx").near
    assert match_name(PLACES, "de").place is None  # too short to mean anything
    vague = match_name(PLACES, "lasan")  # not sure enough to take: offered instead
    assert vague.place is None and vague.near[0].desa == "Lassang"
    assert key("Desa Kale Ko'mara") == "kalekomara"


def test_a_long_list_is_paged_to_ten_rows_with_previous_and_next() -> None:
    rows = [Row(f"kab:{i}", f"Kecamatan {i}") for i in range(12)]
    pages = [page_rows(rows, page, "kabp:", "‹ Sebelumnya", "Berikutnya ›", lambda p, n: f"{p}/{n}")
             for page in range(2)]
    assert all(len(p) <= ROWS_MAX for p in pages)
    assert (pages[0][-1].title, pages[0][-1].id) == ("Berikutnya ›", "kabp:1")
    assert (pages[1][0].title, pages[1][0].id) == ("‹ Sebelumnya", "kabp:0")
    shown = [r.id for p in pages for r in p if not r.id.startswith("kabp:")]
    assert shown == [r.id for r in rows]  # every row on exactly one page
    assert page_rows(rows[:10], 0, "kabp:", "<", ">", lambda p, n: "") == rows[:10]  # ten fit without paging


def test_the_sample_has_a_kabupaten_wide_number() -> None:
    takalar = load_kabupaten(SAMPLE_KABUPATEN)
    assert takalar.whatsapp is not None and takalar.whatsapp.nearest_within == 3000
    assert takalar.is_kabupaten_line(takalar.whatsapp.phone_id)
    assert takalar.whatsapp.phone_id in takalar.phone_ids()
    assert takalar.by_phone_id(takalar.whatsapp.phone_id) is None  # no kecamatan's own number
    assert len(takalar.places) == 100
    assert takalar.by_prefix("GLS") is takalar.profile("galesong")


def _kabupaten_with(tmp_path: Path, whatsapp: str) -> Path:
    text = SAMPLE_KABUPATEN.read_text(encoding="utf-8")
    start = text.index("[whatsapp]")
    end = text.index("\n\n", start)
    for profile in SAMPLE_KABUPATEN.parent.glob("*.toml"):
        if profile.name != SAMPLE_KABUPATEN.name:
            (tmp_path / profile.name).write_text(profile.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "kabupaten.toml"
    path.write_text(text[:start] + whatsapp + text[end:], encoding="utf-8")
    return path


def test_the_wide_number_may_not_be_a_kecamatans_and_its_distance_must_read(tmp_path: Path) -> None:
    clash = _kabupaten_with(tmp_path, '[whatsapp]\nphone_id = "106540352243002"\n')  # Galesong's number
    with pytest.raises(ProfileError) as caught:
        load_kabupaten(clash)
    assert any("whatsapp.phone_id" in p and "galesong.toml" in p for p in caught.value.problems)
    far = _kabupaten_with(tmp_path, '[whatsapp]\nphone_id = "106540352243999"\nnearest_within = "three km"\n')
    with pytest.raises(ProfileError) as caught:
        load_kabupaten(far)
    assert any("nearest_within" in p for p in caught.value.problems)
    metres = _kabupaten_with(tmp_path, '[whatsapp]\nphone_id = "106540352243999"\nnearest_within = "500m"\n')
    loaded = load_kabupaten(metres).whatsapp
    assert loaded is not None and loaded.nearest_within == 500
