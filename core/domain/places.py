"""Finding a citizen's desa (and so their kecamatan) in a kabupaten: from a shared point or a typed name.

A point is in a desa whose boundary holds it; a desa with no boundary is found by its centroid, the
nearest one within the kabupaten's distance. Where no desa is found that way (profiles often have neither
boundaries nor centroids), the kecamatan whose office is nearest within the same distance is as much as the
point tells: its desa is then asked. Typed names are matched tolerantly with the standard
library's `difflib` (no dependency): case, spacing, punctuation and a leading "desa"/"kelurahan" are
ignored, and a small typo still finds the desa ("pattalasang" is Pattallassang).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from core.domain.geo import distance_m, inside

SURE = 0.84  # a match this close (and clearly ahead of the next) is taken without asking
CLOSE = 0.67  # closer than this is offered as "did you mean"
AHEAD = 0.06  # how far the best must lead the second to be taken alone
_PREFIX = re.compile(r"^(?:desa|kelurahan|kel|ds)\b\.?\s*")
_NOT_LETTERS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Place:
    """A desa or kelurahan of the kabupaten and the kecamatan it belongs to."""

    kecamatan: str
    desa: str
    centroid: tuple[float, float] | None = None
    boundary: tuple[tuple[float, float], ...] = ()


def locate(places: Sequence[Place], lat: float, lon: float, within_m: float) -> Place | None:
    """The desa the point is in: inside a boundary, else the nearest centroid (of a desa without one)
    within `within_m` metres; None when it is in none of them."""
    for place in places:
        if place.boundary and inside(lat, lon, place.boundary):
            return place
    near = [(distance_m(lat, lon, *p.centroid), p) for p in places if p.centroid is not None and not p.boundary]
    near = [(d, p) for d, p in near if d <= within_m]
    return min(near, key=lambda found: found[0])[1] if near else None


def nearest_office(offices: Mapping[str, tuple[float, float]], lat: float, lon: float, within_m: float) -> str | None:
    """The kecamatan (code) whose office, a (lat, lon) in `offices`, is nearest the point and within `within_m`
    metres; None when no office is that near."""
    near = [(distance_m(lat, lon, *office), code) for code, office in offices.items()]
    near = [(d, code) for d, code in near if d <= within_m]
    return min(near)[1] if near else None


def key(words: str) -> str:
    """A name as it is compared: lower case, without "desa"/"kelurahan" before it, letters and digits only."""
    said = " ".join(words.casefold().split()).strip(" .,!?")
    return _NOT_LETTERS.sub("", _PREFIX.sub("", said))


def names_a_place(words: str) -> bool:
    """Whether the words begin like a place's name ("desa ...", "kelurahan ...")."""
    return bool(_PREFIX.match(" ".join(words.casefold().split()))) and len(words.split()) <= 4


@dataclass(frozen=True)
class NameMatch:
    """What a typed name found: `place` when it is sure, else `near` (closest first) to offer."""

    place: Place | None
    near: tuple[Place, ...] = ()


def match_name(places: Sequence[Place], words: str, offer: int = 9) -> NameMatch:
    """The desa a citizen typed, or the few names close to it (none for words that name no desa)."""
    said = key(words)
    if len(said) < 3:
        return NameMatch(None)
    exact = [p for p in places if key(p.desa) == said]
    if len(exact) == 1:
        return NameMatch(exact[0])
    scored = sorted(((SequenceMatcher(None, said, key(p.desa)).ratio(), p) for p in places),
                    key=lambda found: -found[0])
    near = tuple(p for score, p in scored if score >= CLOSE)[:offer]
    best = scored[0][0] if scored else 0.0
    second = scored[1][0] if len(scored) > 1 else 0.0
    if best >= SURE and best - second >= AHEAD:
        return NameMatch(scored[0][1])
    return NameMatch(None, near)
