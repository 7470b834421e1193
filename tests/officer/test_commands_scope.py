"""Commands that show cases answer only in the kecamatan's own chats or in a staff member's private chat."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from core.db.models import ChatBinding
from tests.core.story import report
from tests.officer.conftest import World, until

NOT_HERE = "Maaf, data laporan hanya ditampilkan di grup kerja kecamatan atau di obrolan pribadi dengan bot."


async def test_ticket_in_a_stranger_group_shows_no_case(world: World, caplog: pytest.LogCaptureFixture) -> None:
    await report(world.ctx, world.cast.reporter, "Lampu jalan mati, rumah Daeng Ngalle")
    await world.card(world.desk, "PTL-000001")
    strangers = world.sim.group("Grup Arisan RT 02", members=(world.verifier, world.camat))
    caplog.set_level(logging.WARNING, logger="officer_bot")
    await world.verifier.sends(strangers, "/tiket PTL-000001")
    refusal = await strangers.wait_for(lambda m: m.from_bot)
    assert refusal.text == NOT_HERE
    await world.camat.sends(strangers, "/ringkasan")
    await strangers.wait_for(lambda m: m.from_bot and "hanya bisa dipakai" in (m.text or ""))
    await world.settled()
    said = " ".join(m.text or "" for m in strangers.bot_messages)
    assert len(strangers.bot_messages) == 2
    assert "PTL-000001" not in said and "Lampu" not in said and "Riwayat" not in said and "Ringkasan" not in said
    assert any("outside the kecamatan's chats" in r.getMessage() and getattr(r, "chat_id", None) == strangers.id
               for r in caplog.records)


async def test_ticket_answers_in_the_desk_the_field_a_migrated_group_and_private(world: World) -> None:
    await report(world.ctx, world.cast.reporter)
    await world.verifier.sends(world.desk, "/tiket PTL-000001")
    await world.desk.wait_for(lambda m: m.from_bot and "Riwayat:" in (m.text or ""))
    await world.officer.sends(world.field, "/tiket PTL-000001")
    await world.field.wait_for(lambda m: m.from_bot and "Riwayat:" in (m.text or ""))
    await world.officer.sends(world.officer.private_chat, "/tiket PTL-000001")
    await world.officer.private_chat.wait_for(lambda m: m.from_bot and "Riwayat:" in (m.text or ""))

    old_id = world.field.id
    await world.sim.migrate_to_supergroup(world.field)

    async def bound() -> int | None:
        async with world.ctx.sessions() as session:
            return await session.scalar(select(ChatBinding.current_id).where(ChatBinding.configured_id == old_id))

    assert await until(world.ctx, bound) == world.field.id
    await world.officer.sends(world.field, "/tiket PTL-000001")
    await world.field.wait_for(lambda m: m.from_bot and "Riwayat:" in (m.text or "") and m.chat.id != old_id)


async def test_a_stranger_in_a_kecamatan_group_is_still_not_staff(world: World) -> None:
    await report(world.ctx, world.cast.reporter)
    await world.stranger.sends(world.desk, "/tiket PTL-000001")
    answer = await world.desk.wait_for(lambda m: m.from_bot and m.reply_to is not None
                                       and m.reply_to.sender is world.stranger)
    assert answer.text == "Anda tidak terdaftar sebagai petugas."
