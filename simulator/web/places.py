"""Places a citizen can share: one preset per desa around the kecamatan, and a rough outline for the map."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from core.kabupaten import Kabupaten
from core.profile import Profile

INDONESIA = (-2.5, 118.0)  # where a map starts when the profile names no place at all
OUTSIDE = ("Di luar kecamatan (Makassar)", -5.1477, 119.4327)


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    address: str = ""


def map_centre(profile: Profile) -> tuple[float, float]:
    """The profile's kecamatan office, else the middle of its desa centroids, else Indonesia."""
    if profile.office is not None:
        return profile.office
    points = [d.centroid for d in profile.desa if d.centroid is not None]
    if points:
        return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    return INDONESIA


def presets(profile: Profile, center: tuple[float, float]) -> list[Place]:
    """The kecamatan office, each desa on a ring around it, and one place outside the kecamatan."""
    lat0, lon0 = center
    places = [Place("Kantor Camat", lat0, lon0, profile.name)]
    count = len(profile.desa)
    for i, desa in enumerate(profile.desa):
        angle = 2 * math.pi * i / count + 0.4
        radius = 0.016 + 0.008 * (i % 3)  # degrees: about 1.8 to 3.5 km
        address = f"{desa.kind.capitalize()} {desa.name}, {profile.name}"
        places.append(Place(desa.name, round(lat0 + radius * math.sin(angle), 5),
                            round(lon0 + radius * math.cos(angle), 5), address))
    name, lat, lon = OUTSIDE
    places.append(Place(name, lat, lon, "Kota Makassar"))
    return places


def outline(center: tuple[float, float], points: int = 24, size: float = 0.034) -> list[tuple[float, float]]:
    """A made-up but stable boundary around the desa ring (`size` degrees across, roughly), for the click map."""
    lat0, lon0 = center
    shape = []
    for i in range(points):
        angle = 2 * math.pi * i / points
        radius = size * (1 + 0.14 * math.sin(3 * angle + 1) + 0.07 * math.cos(5 * angle))
        shape.append((round(lat0 + radius * math.sin(angle), 5), round(lon0 + radius * math.cos(angle), 5)))
    return shape


def map_config(profile: Profile, center: tuple[float, float]) -> dict[str, Any]:
    return {
        "center": list(center),
        "presets": [asdict(p) for p in presets(profile, center)],
        "outline": [list(p) for p in outline(center)],
    }


def kabupaten_map(install: Kabupaten) -> dict[str, Any]:
    """The map of a kabupaten-wide number: each kecamatan's office, around the middle of them."""
    offices = [(p, map_centre(p)) for p in install]
    center = (sum(c[0] for _, c in offices) / len(offices), sum(c[1] for _, c in offices) / len(offices))
    reach = max(math.dist(center, c) for _, c in offices) + 0.04
    places = [Place(f"Kantor {install.name}", round(center[0], 5), round(center[1], 5), install.name)]
    places += [Place(f"Kantor Camat {p.name.removeprefix('Kecamatan ')}", c[0], c[1], p.name) for p, c in offices]
    name, lat, lon = OUTSIDE
    places.append(Place(name, lat, lon, "Kota Makassar"))
    return {
        "center": list(center),
        "presets": [asdict(p) for p in places],
        "outline": [list(p) for p in outline(center, size=reach)],
    }
