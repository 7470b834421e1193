"""The Peta's background from a tile server (MAP_TILE_URL), without a JS library: the zoom whose web-mercator
view holds every place in the SVG, the tiles that cover it as <image> elements, and the same projection for
the points drawn over them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

TILE = 256  # pixels a side, as every XYZ tile server serves them
MAX_ZOOM = 18  # the deepest zoom the common servers (OpenStreetMap's among them) serve
LEAST_SPAN = 0.01  # degrees: a view at least about 1 km across, as the offline map
MAX_LATITUDE = 85.05112878  # where web mercator ends


def world_xy(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """(lat, lon) → the pixel of the whole world's map at `zoom` (web mercator, north up)."""
    size = TILE * 2 ** zoom
    sin = math.sin(math.radians(max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))))
    return (lon + 180) / 360 * size, (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * size


@dataclass(frozen=True)
class TileView:
    """A `width` × `height` window on the world's map at `zoom`, its top left corner at world pixel (left, top)."""

    zoom: int
    left: float
    top: float
    width: int
    height: int

    def xy(self, lat: float, lon: float) -> tuple[int, int]:
        """Where a place falls in the window."""
        x, y = world_xy(lat, lon, self.zoom)
        return round(x - self.left), round(y - self.top)

    def tiles(self, url: str) -> list[tuple[str, int, int]]:
        """(address, x, y) of each tile covering the window, from a template with {z}, {x} and {y} (and {s}: the
        servers a, b and c in turn)."""
        count = 2 ** self.zoom
        first_x, first_y = math.floor(self.left / TILE), math.floor(self.top / TILE)
        last_x = math.floor((self.left + self.width - 1) / TILE)
        last_y = math.floor((self.top + self.height - 1) / TILE)
        return [(url.replace("{z}", str(self.zoom)).replace("{x}", str(tx % count)).replace("{y}", str(ty))
                 .replace("{s}", "abc"[(tx + ty) % 3]), round(tx * TILE - self.left), round(ty * TILE - self.top))
                for ty in range(max(first_y, 0), min(last_y, count - 1) + 1) for tx in range(first_x, last_x + 1)]


def tile_view(places: Sequence[tuple[float, float]], width: int, height: int, pad: int = 24) -> TileView | None:
    """The deepest zoom (at most MAX_ZOOM) at which every place fits inside the window less `pad`, centred on
    their bounds; None when there is no place."""
    if not places:
        return None
    lats, lons = [p[0] for p in places], [p[1] for p in places]
    middle_lat, middle_lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    south, north = min(min(lats), middle_lat - LEAST_SPAN / 2), max(max(lats), middle_lat + LEAST_SPAN / 2)
    west, east = min(min(lons), middle_lon - LEAST_SPAN / 2), max(max(lons), middle_lon + LEAST_SPAN / 2)
    zoom = MAX_ZOOM
    while zoom > 0:
        (x0, y0), (x1, y1) = world_xy(north, west, zoom), world_xy(south, east, zoom)
        if x1 - x0 <= width - 2 * pad and y1 - y0 <= height - 2 * pad:
            break
        zoom -= 1
    (x0, y0), (x1, y1) = world_xy(north, west, zoom), world_xy(south, east, zoom)
    return TileView(zoom, (x0 + x1 - width) / 2, (y0 + y1 - height) / 2, width, height)


def tile_origin(url: str) -> str:
    """The scheme and host tiles come from, for the page's Content-Security-Policy ("" for no server)."""
    parts = urlsplit(url)
    host = parts.netloc.replace("{s}", "*")  # a.tile…, b.tile…, c.tile…
    return f"{parts.scheme}://{host}" if parts.scheme in ("http", "https") and host else ""
