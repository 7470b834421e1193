"""Where the proof was taken: the officer's shared location measured against the report's place.

The report's place is the citizen's shared location, else the centre of its desa (a report with an address
only). The profile says whether the location is asked at all (`proof_location`: required, optional or off)
and how near counts as "at the place" (`proof_near_m`). Far proof is flagged, never refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from core.domain.geo import distance_m

Point = tuple[float, float]


@dataclass(frozen=True)
class ProofPlace:
    at: Point  # where the officer was
    distance_m: int  # from the report's place
    against: Literal["report", "desa"]  # the citizen's point, or the desa's centre
    far: bool  # farther than the profile's "at the place"

    def to_data(self) -> dict[str, Any]:
        """The resolve event's record of it (audit, cards, the desk's note)."""
        return {"proof_at": list(self.at), "proof_distance_m": self.distance_m, "proof_against": self.against,
                "proof_far": self.far}


def proof_place(at: Point, reported: Point | None, desa_centre: Point | None, near_m: float) -> ProofPlace | None:
    """The proof's distance from the report (None: the report has no place to measure against)."""
    against: Literal["report", "desa"] = "report" if reported is not None else "desa"
    place = reported or desa_centre
    if place is None:
        return None
    metres = distance_m(at[0], at[1], place[0], place[1])
    return ProofPlace(at, round(metres), against, metres > near_m)


def valid_point(lat: float, lon: float) -> bool:
    return -90 <= lat <= 90 and -180 <= lon <= 180
