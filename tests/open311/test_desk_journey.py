"""An outside system's report, end to end: POSTed over HTTP with its key, found by its token, carded on the
Telegram desk by the real officer bot (against the Telegram simulator), verified there by a desk member's tap,
and then shown verified by GET requests/{id} (its description only from then on) and listed by
servicerequestupdates, in both formats."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import Ticket, TicketEvent
from tests.officer.conftest import World
from tests.open311.conftest import KEY, data, served, xml

FORM = {"api_key": KEY, "service_code": "sampah", "lat": "-5.412", "long": "119.587",
        "address_string": "Depan Pasar Bajeng", "description": "Sampah menumpuk di depan pasar, sudah seminggu",
        "attribute[desa]": "Bajeng"}
VERIFIED = "Laporan sudah diperiksa dan diteruskan untuk ditindaklanjuti."


async def test_a_posted_report_is_carded_on_the_desk_verified_by_a_tap_and_shown_verified(world: World) -> None:
    async with served(world.ctx) as (_, client):
        posted = await client.post("/requests.xml", data=FORM)  # httpx sends it form-encoded, UTF-8
        assert posted.status_code == 200, posted.text
        assert posted.request.headers["content-type"] == "application/x-www-form-urlencoded"
        number = xml(posted).findtext("request/service_request_id") or ""
        assert number == "PTL-000001"

        # POST answers the id at once (a "realtime" service), so the token is no client's to read from it: the
        # system's own record of the channel holds it, and tokens/{token} gives the same request back.
        async with world.ctx.sessions() as session:
            row = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert row is not None and row.state == "received" and (row.source_ref or "").startswith("open311:")
        token = (row.source_ref or "").rpartition(":")[2]  # open311:<key ref>:<token>
        assert data(await client.get(f"/tokens/{token}.json")) == [{"service_request_id": number, "token": token}]
        (before,) = data(await client.get(f"/requests/{number}.json"))
        assert (before["status"], before["status_notes"]) == ("open", "Diterima")
        assert before["description"] == "Menunggu verifikasi meja kecamatan."  # unread by the desk: not published

        card = await world.card(world.desk, number, "Sampah menumpuk")
        assert "Pelapor: anonim" in card.text, card.text  # no phone or email given: anonymous
        answer = await world.verifier.taps(card, "Verifikasi")
        assert answer.text == f"{number} diverifikasi.", answer.text
        await world.card(world.desk, number, "Diverifikasi")
        await world.card(world.field, number, "Diverifikasi")  # the field group gets it, as a WhatsApp report

        (after,) = data(await client.get(f"/requests/{number}.json"))
        assert (after["status"], after["status_notes"]) == ("open", "Diverifikasi")
        assert after["description"] == FORM["description"]
        assert xml(await client.get(f"/requests/{number}.xml")).findtext("request/status_notes") == "Diverifikasi"

        async with world.ctx.sessions() as session:
            verified = await session.scalar(select(TicketEvent.id).where(
                TicketEvent.ticket_id == row.id, TicketEvent.to_state == "verified"))
        window = "?start_date=2026-11-23T00:00:00Z&end_date=2026-11-24T00:00:00Z"  # as FixMyStreet asks: both dates
        updates = data(await client.get(f"/servicerequestupdates.json{window}"))
        assert [(u["service_request_id"], u["status"], u["description"]) for u in updates] == [
            (number, "open", "Laporan diterima oleh meja kecamatan."), (number, "open", VERIFIED)]
        assert updates[1]["update_id"] == str(verified)
        listed = xml(await client.get(f"/servicerequestupdates.xml{window}"))
        assert [u.findtext("update_id") for u in listed] == [u["update_id"] for u in updates]
    await world.settled()
