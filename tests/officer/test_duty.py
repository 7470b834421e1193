"""Who is on duty: /tugas switches a field officer on or off (optionally until a time); a waiting case's
field card names the on-duty officers of its desa with their open cases and suggests the least loaded one
under the limit; with nobody on duty the card says so and the desk is told."""

from __future__ import annotations

from datetime import timedelta

from core.domain.lifecycle import Role
from core.usecases.desk import verify_ticket
from core.usecases.duty import duty_of
from core.usecases.field import accept_ticket
from core.usecases.oversight import escalate_ticket
from core.usecases.staff import add_staff
from tests.core.story import report
from tests.officer.conftest import World


async def verified(world: World, text: str = "Lampu jalan mati", **kw: object) -> int:
    tid = await report(world.ctx, world.cast.reporter, text, **kw)  # type: ignore[arg-type]
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    return tid


async def test_the_card_names_who_is_on_duty_and_suggests_the_least_loaded(world: World) -> None:
    first = await verified(world)
    await accept_ticket(world.ctx, world.cast.officer, first)  # Baso holds one case now
    await verified(world, "Lampu kedua mati")
    card = await world.card(world.field, "PTL-000002", "Bertugas:")
    assert "Bertugas: Cakra Petugas (0), Baso Petugas (1)" in (card.text or "")
    assert "Disarankan: Cakra Petugas" in (card.text or "")
    taken = await world.card(world.field, "PTL-000001", "Dikerjakan oleh Baso")
    assert "Bertugas:" not in (taken.text or "")  # only while it waits for someone


async def test_tugas_switches_off_and_on_until_a_time_and_cards_follow(world: World) -> None:
    chat = world.officer2.private_chat  # Cakra
    await world.officer2.sends(chat, "/tugas")
    off = await chat.wait_for(lambda m: m.from_bot and "tidak bertugas" in (m.text or ""))
    assert off.text == "Anda sekarang tidak bertugas di Kecamatan Pattallassang. Kartu kasus baru tidak menyebut Anda."
    await verified(world)
    card = await world.card(world.field, "PTL-000001", "Bertugas:")
    assert "Cakra" not in (card.text or "") and "Disarankan: Baso Petugas" in (card.text or "")

    await world.officer2.sends(chat, "/tugas mulai 25:00")
    await chat.wait_for(lambda m: m.from_bot and 'Jam "25:00" tidak dikenali' in (m.text or ""))
    local = world.ctx.now().astimezone(world.ctx.profile.zone) + timedelta(hours=2)
    until = f"{local:%H}:{local:%M}"
    await world.officer2.sends(chat, f"/tugas mulai sampai {until}")
    await chat.wait_for(lambda m: m.from_bot and m.text == (
        f"Anda sekarang bertugas di Kecamatan Pattallassang sampai {until.replace(':', '.')}. "
        "Kartu kasus baru menyebut Anda."))
    cakra = world.cast.officer2.id or 0
    assert (await duty_of(world.ctx, cakra)).on
    world.ctx.clock.advance(hours=3)  # type: ignore[attr-defined]  # past the time: off again
    assert not (await duty_of(world.ctx, cakra)).on

    await world.verifier.sends(world.verifier.private_chat, "/tugas")  # not a field officer
    await world.verifier.private_chat.wait_for(lambda m: m.from_bot and m.text == (
        "Hanya petugas lapangan yang punya status tugas."))


async def test_nobody_on_duty_says_so_on_the_card_and_tells_the_desk(world: World) -> None:
    for user in (world.officer, world.officer2):
        await user.sends(user.private_chat, "/tugas selesai")
        await user.private_chat.wait_for(lambda m: m.from_bot and "tidak bertugas" in (m.text or ""))
    await verified(world)
    card = await world.card(world.field, "PTL-000001", "⚠ Tidak ada petugas yang bertugas untuk desa ini sekarang.")
    assert "Bertugas:" not in (card.text or "")
    note = await world.desk.wait_for(lambda m: m.from_bot and "tidak ada petugas lapangan" in (m.text or ""))
    assert note.text == ("⚠ PTL-000001 (Bajeng) sudah diverifikasi, tetapi tidak ada petugas lapangan yang "
                         "bertugas untuk desa ini sekarang. Hubungi petugas atau tugaskan langsung.")


async def test_an_officer_of_other_desa_is_not_named(world: World) -> None:
    await add_staff(world.ctx, 2002, "Cakra Petugas", frozenset({Role.OFFICER}), desa=("Pappa",))
    await verified(world)  # Bajeng
    card = await world.card(world.field, "PTL-000001", "Bertugas:")
    assert "Cakra" not in (card.text or "") and "Baso Petugas (0)" in (card.text or "")


async def test_a_reminder_names_only_those_on_duty(world: World) -> None:
    await world.officer2.sends(world.officer2.private_chat, "/tugas selesai")
    await world.officer2.private_chat.wait_for(lambda m: m.from_bot and "tidak bertugas" in (m.text or ""))
    tid = await verified(world)
    card = await world.card(world.field, "PTL-000001", "Bertugas:")
    await escalate_ticket(world.ctx, world.cast.system, tid, 1)
    reminder = await world.field.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Pengingat"))
    assert reminder.reply_to is not None and reminder.reply_to.message_id == card.message_id
    assert "Bertugas: Baso Petugas (0)" in (reminder.text or "") and "Cakra" not in (reminder.text or "")
