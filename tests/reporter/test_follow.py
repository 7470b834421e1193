""""Ikut pantau" follows only what the bot offered, never a confidential case; status checks again."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import Follower
from core.domain.lifecycle import Role
from core.domain.people import Actor
from core.domain.reports import NewReport, Privacy
from core.usecases.citizen import citizen_actor, submit_ticket
from core.usecases.desk import ask_citizen, verify_ticket
from core.usecases.staff import add_staff
from tests.reporter.conftest import Harness, has, located_to_kirim

LIGHT = {"category": "lampu_jalan", "latitude": -5.4500, "longitude": 119.5400, "desa": "Bajeng"}


async def follows(harness: Harness, citizen_id: int) -> list[int]:
    async with harness.ctx.sessions() as session:
        return list(await session.scalars(select(Follower.ticket_id).where(Follower.citizen_id == citizen_id)))


def follow_reply(ticket_id: int | str) -> dict[str, object]:
    return {"type": "button_reply", "button_reply": {"id": f"near:follow:{ticket_id}", "title": "Ikut pantau"}}


async def test_a_forged_follow_reply_follows_nothing(harness: Harness) -> None:
    hidden = await citizen_actor(harness.ctx, "081311110001", "Saksi")
    open_ = await citizen_actor(harness.ctx, "081311110002", "Tetangga")
    secret = await submit_ticket(harness.ctx, hidden, NewReport("Lampu dirusak orang", privacy=Privacy.CONFIDENTIAL,
                                                                **LIGHT))  # type: ignore[arg-type]
    shown = await submit_ticket(harness.ctx, open_, NewReport("Lampu jalan mati", **LIGHT))  # type: ignore[arg-type]
    citizen = harness.sim.citizen("081311110003", name="Penasaran")
    await citizen.sends_text("Lampu jalan mati, gelap sekali")
    await located_to_kirim(citizen, -5.4501, 119.5401)
    offer = await citizen.wait_for(lambda m: "Ikut pantau" in m.button_titles)
    assert shown.number in (offer.text or "") and secret.number not in (offer.text or "")  # never offered

    for forged in (secret.ticket_id, 999_999):  # the confidential case, and an id never offered to anyone
        await citizen._send("interactive", follow_reply(forged))
        refused = await citizen.wait_for(has("tidak ada laporan yang Anda pantau"))
        assert "Ikut pantau" in refused.button_titles and secret.number not in (refused.text or "")
    me = (await harness.citizen_row("6281311110003")).id
    assert await follows(harness, me) == []
    await citizen.sends_text(f"status {secret.number}")
    await citizen.wait_for(has("Laporan tidak ditemukan"))

    await citizen._send("interactive", follow_reply(shown.ticket_id))  # what was offered still works
    await citizen.wait_for(has(f"Anda sekarang memantau {shown.number}"))
    assert await follows(harness, me) == [shown.ticket_id]


async def test_status_shows_a_follower_only_what_a_confidential_case_allows(harness: Harness) -> None:
    desk = await add_staff(harness.ctx, 1001, "Andi Verifikator", frozenset({Role.VERIFIER}))
    verifier = Actor.staff(desk.id, desk.name, frozenset({Role.VERIFIER}))
    hidden = await citizen_actor(harness.ctx, "081311110001", "Saksi")
    secret = await submit_ticket(harness.ctx, hidden, NewReport("Lampu dirusak orang", privacy=Privacy.CONFIDENTIAL,
                                                                **LIGHT))  # type: ignore[arg-type]
    await verify_ticket(harness.ctx, verifier, secret.ticket_id)
    await ask_citizen(harness.ctx, verifier, secret.ticket_id, "Siapa yang merusak lampunya?")
    citizen = harness.sim.citizen("081311110003", name="Penasaran")
    await citizen.sends_text("halo")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    me = (await harness.citizen_row("6281311110003")).id
    async with harness.ctx.sessions.begin() as session:  # e.g. merged into it, or followed before the check
        session.add(Follower(ticket_id=secret.ticket_id, citizen_id=me, created_at=harness.ctx.now()))

    await citizen.sends_text(f"status {secret.number}")
    detail = await citizen.wait_for(has(secret.number))
    assert "laporan rahasia" in (detail.text or "") and "Diverifikasi" in (detail.text or "")
    assert "Lampu Jalan" not in (detail.text or "") and "merusak" not in (detail.text or "")
