"""Places on an inline SVG map without tiles: (lat, lon) fitted and centred in a box (the public page's map
and the console's Peta)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

Projection = Callable[[float, float], tuple[int, int]]


def fitted(places: Sequence[tuple[float, float]], width: int, height: int, pad: int = 24) -> Projection | None:
    """(lat, lon) → (x, y) in a `width` × `height` box that holds every place of `places` (north up, the same
    scale both ways, at least about 1 km across); None when there is no place."""
    if not places:
        return None
    lats, lons = [p[0] for p in places], [p[1] for p in places]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    scale = min((width - 2 * pad) / max(east - west, 0.01), (height - 2 * pad) / max(north - south, 0.01))
    left = (width - (east - west) * scale) / 2
    bottom = (height + (north - south) * scale) / 2

    def xy(lat: float, lon: float) -> tuple[int, int]:
        return round(left + (lon - west) * scale), round(bottom - (lat - south) * scale)

    return xy
