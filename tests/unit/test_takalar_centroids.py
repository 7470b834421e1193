"""The sample Kabupaten Takalar's desa centroids (from cahyadsn/wilayah_boundaries): every desa has one, in the
kabupaten, near its kecamatan's other desa, and a shared point there is placed in that desa by the kabupaten's
number (`locate` over the install's places, as `reporter_bot.kabupaten_line` calls it)."""

from __future__ import annotations

import math

import pytest

from core.domain.geo import distance_m
from core.domain.places import Place, locate
from core.kabupaten import SAMPLE_KABUPATEN, load_kabupaten

TAKALAR = load_kabupaten(SAMPLE_KABUPATEN)
assert TAKALAR.whatsapp is not None
WITHIN = TAKALAR.whatsapp.nearest_within
# Kabupaten Takalar's outline in the same dataset (db/kab, 73.05), islands of Tanakeke included, rounded outwards.
SOUTH, NORTH, WEST, EAST = -5.61, -5.21, 119.18, 119.65
PLACES = TAKALAR.places


def _label(place: Place) -> str:
    return f"{place.kecamatan}/{place.desa}"


def _moved(lat: float, lon: float, metres: float, bearing: float) -> tuple[float, float]:
    """A point `metres` from (lat, lon) towards `bearing` (radians from north), near enough on this scale."""
    dlat = metres * math.cos(bearing) / 111_320
    dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def test_every_sample_desa_has_a_centroid_in_takalar() -> None:
    assert len(PLACES) == 100
    for place in PLACES:
        assert place.centroid is not None, _label(place)
        lat, lon = place.centroid
        assert SOUTH < lat < NORTH and WEST < lon < EAST, _label(place)


def test_each_kecamatans_desa_lie_near_each_other() -> None:
    """No desa is more than 8 km from another of its kecamatan (the farthest: Mattirobaji, an island of
    Tanakeke), nor 15 km from their middle."""
    for profile in TAKALAR:
        points = [d.centroid for d in profile.desa if d.centroid is not None]
        middle = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
        for desa in profile.desa:
            assert desa.centroid is not None
            nearest = min(distance_m(*desa.centroid, *other) for other in points if other != desa.centroid)
            assert nearest < 8000, f"{profile.code}/{desa.name}"
            assert distance_m(*desa.centroid, *middle) < 15_000, f"{profile.code}/{desa.name}"


@pytest.mark.parametrize("place", PLACES, ids=_label)
def test_a_point_at_a_centroid_or_near_it_is_that_desas(place: Place) -> None:
    """At the centroid, and 200 m from it every way (under half the closest two centroids' spacing, Galesong
    Baru and Galesong Kota's 450 m), the shared point is this desa's, so this kecamatan's."""
    assert place.centroid is not None
    assert locate(PLACES, *place.centroid, WITHIN) == place
    for quarter in range(4):
        near = _moved(*place.centroid, 200, quarter * math.pi / 2)
        assert locate(PLACES, *near, WITHIN) == place, (_label(place), near)


def test_each_camats_office_is_in_a_desa_of_its_own_kecamatan() -> None:
    """The sandbox's "Kantor Camat" places on the kabupaten's number land in that kecamatan."""
    for profile in TAKALAR:
        assert profile.office is not None
        found = locate(PLACES, *profile.office, WITHIN)
        assert found is not None and found.kecamatan == profile.code, profile.code


def test_a_point_outside_takalar_is_in_no_desa() -> None:
    assert locate(PLACES, -5.1477, 119.4327, WITHIN) is None  # Makassar, 8 km north of Galesong Utara
    assert locate(PLACES, -5.40, 119.70, WITHIN) is None  # in Gowa, east of Polombangkeng
