"""The desk hears, in plain Indonesian and local time, of messages that are stuck or could not go out."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import OutboxMessage
from core.notifications import queue
from core.outbox import Delivery, Failure, mark_failed
from core.stuck import STUCK_KIND
from scheduler.jobs import sweep_outbox
from tests.conftest import Clock
from tests.core.story import report
from tests.officer.conftest import World, until
from tests.officer.test_camat import link_camat

INTERNAL = ("whatsapp", "ticket.", "citizen:", "chat:", "+00:00", "T01:", "outbox", "131047", "#")


async def test_the_desk_reads_a_stuck_message_in_local_time_and_plain_words(world: World, clock: Clock) -> None:
    await report(world.ctx, world.cast.reporter)
    await world.settled()
    async with world.ctx.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "ticket.received"))
    assert row is not None
    waiting = Delivery(row.id, row.channel, row.recipient, row.kind, row.data, row.ticket_id, 0)
    await mark_failed(world.ctx, waiting, "131047: re-engagement message", failure=Failure.OUTSIDE_WINDOW)
    clock.advance(minutes=31)
    assert await sweep_outbox(world.ctx) == 1

    notice = await world.desk.wait_for(lambda m: m.from_bot and "belum terkirim" in (m.text or ""))
    assert notice.text == (
        "Pesan belum terkirim sejak hari ini pukul 09.00: tanda terima laporan untuk warga 0812*****890, "
        "laporan PTL-000001. Sebabnya: warga belum membalas dalam 24 jam terakhir, jadi WhatsApp hanya "
        "mengizinkan pemberitahuan singkat; pesan lengkapnya menunggu balasan warga. Sistem terus mencoba "
        "(sudah 1 kali).")
    assert not any(word in notice.text for word in INTERNAL)


async def test_a_chat_that_blocked_the_bot_is_set_aside_the_desk_told_and_the_next_row_tried(world: World) -> None:
    await link_camat(world)
    world.camat.blocks_bot()
    async with world.ctx.sessions.begin() as session:
        for day in ("senin", "selasa"):
            queue(session, kecamatan="pattallassang",
                  channel="telegram", recipient="camat", kind="digest", data={"text": f"Ringkasan {day}"},
                  dedupe_key=f"digest:{day}", now=world.ctx.now())

    async def both_set_aside() -> bool:
        async with world.ctx.sessions() as session:
            rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")))
        return len(rows) == 2 and all(r.set_aside_at is not None and r.failure_reason == "blocked" for r in rows)

    await until(world.ctx, both_set_aside)  # the second was tried, not held behind the first for good
    await world.settled()
    notices = [m for m in world.desk.bot_messages if "ringkasan untuk camat" in (m.text or "")]
    assert len(notices) == 2
    assert notices[0].text == (
        "Pesan tidak terkirim: ringkasan untuk camat di Telegram. Sebabnya: bot diblokir, dikeluarkan dari "
        "obrolan, atau obrolannya sudah tidak ada. Pesan ini tidak dicoba lagi; pesan-pesan berikutnya tetap "
        "dikirim. Bila perlu, sampaikan isinya dengan cara lain.")
    async with world.ctx.sessions() as session:
        told = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == STUCK_KIND)))
    assert [n.data["set_aside"] for n in told] == [True, True]
