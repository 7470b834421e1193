"""Distances on the ground (reports of the same problem nearby) and whether a point lies in an area."""

from __future__ import annotations

from collections.abc import Sequence
from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(sqrt(a))


def degree_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lat/lon box that contains the circle, so a database index can narrow the search."""
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(cos(radians(lat)), 1e-6))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def inside(lat: float, lon: float, boundary: Sequence[tuple[float, float]]) -> bool:
    """Whether the point lies in the polygon of (lat, lon) corners (even-odd rule; flat at a desa's scale)."""
    found = False
    j = len(boundary) - 1
    for i, (lat_i, lon_i) in enumerate(boundary):
        lat_j, lon_j = boundary[j]
        if (lon_i > lon) != (lon_j > lon) and lat < lat_i + (lon - lon_i) * (lat_j - lat_i) / (lon_j - lon_i):
            found = not found
        j = i
    return found
