"""The sample's desa centroids on the kabupaten-wide number: a citizen sharing a point in a desa of the real
Takalar (its centroid, from cahyadsn/wilayah_boundaries) is told that desa and kecamatan, and the report is
filed there."""

from __future__ import annotations

import pytest

from core.context import Context
from simulator.whatsapp.citizen import Citizen
from tests.conftest import TAKALAR
from tests.reporter.conftest import Harness, has

WIDE = TAKALAR.whatsapp.phone_id if TAKALAR.whatsapp else ""


@pytest.fixture
def ctx(ctx: Context) -> Context:
    """The reporter bot serves the sample install as it is loaded (its centroids, no boundary)."""
    return Context(sessions=ctx.sessions, profile=TAKALAR.profile("pattallassang"), clock=ctx.clock,
                   outbox=ctx.outbox, kabupaten=TAKALAR)


@pytest.fixture
def citizen(harness: Harness) -> Citizen:
    harness.sim.add_number(WIDE, "6241100000000")
    return harness.sim.citizen("081300000021", "Daeng Ngai", business=WIDE)


@pytest.mark.parametrize("kecamatan, desa", [("polombangkeng_utara", "Towata"), ("mappakasunggu", "Mattirobaji"),
                                             ("galesong", "Galesong Kota")])
async def test_a_point_near_a_desas_centroid_is_placed_in_that_desa(
        harness: Harness, citizen: Citizen, kecamatan: str, desa: str) -> None:
    """Towata in the north-east, Mattirobaji an island of Tanakeke, Galesong Kota 450 m from Galesong Baru."""
    profile = TAKALAR.profile(kecamatan)
    [centroid] = [d.centroid for d in profile.desa if d.name == desa]
    assert centroid is not None
    await citizen.sends_text("Sampah menumpuk di pinggir jalan")
    await citizen.wait_for(lambda m: m.kind == "list")
    point = (round(centroid[0] + 0.001, 5), round(centroid[1] - 0.001, 5))  # about 150 m off its middle
    await citizen.sends_location(*point, name="Dekat masjid")
    found = await citizen.wait_for(has(f"Lokasi: {desa}, {profile.name}"))
    assert found.button_titles == ["Lewati"]  # the desa is known (no list of its desa), the category named: photos
    await citizen.taps("Lewati")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await citizen.taps("Kirim")
    await citizen.wait_for(has(f"{profile.ticket_prefix}-"))
    [ticket] = await harness.tickets()
    assert (ticket.kecamatan, ticket.desa) == (kecamatan, desa)
    assert (ticket.latitude, ticket.longitude) == point
