"""Who is on duty: /tugas switches a field officer on or off (optionally until a time); a waiting case's
field card names the on-duty officers of its desa with their open cases and suggests the least loaded one
under the limit; with nobody on duty the card says so and the desk is told."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from core.context import Context
from core.domain.lifecycle import Role
from core.domain.sla import Stage
from core.profile import Shift
from core.usecases.desk import verify_ticket
from core.usecases.duty import duty_of
from core.usecases.field import accept_ticket
from core.usecases.oversight import escalate_ticket
from core.usecases.staff import add_staff
from tests.core.story import report, ticket
from tests.officer.conftest import World
from tests.officer.test_camat import link_camat


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


@pytest.fixture
def ctx(ctx: Context, request: pytest.FixtureRequest) -> Context:
    """The sample profile, or (parametrized indirectly) with that officer_open_limit."""
    limit = getattr(request, "param", None)
    if limit is None:
        return ctx
    profile = ctx.profile.model_copy(update={"officer_open_limit": limit})
    return Context(sessions=ctx.sessions, profile=profile, clock=ctx.clock, outbox=ctx.outbox)


@pytest.mark.parametrize("ctx", [1], indirect=True)
async def test_an_officer_over_the_open_cases_limit_is_not_suggested(world: World) -> None:
    """With a limit of one open case, Cakra (1) is suggested ahead of Baso (2); once both hold two, nobody is
    suggested, though both are still named (first tap still wins)."""
    for officer in (world.cast.officer, world.cast.officer, world.cast.officer2):
        await accept_ticket(world.ctx, officer, await verified(world))
    waiting = await verified(world, "Lampu keempat mati")
    card = await world.card(world.field, "PTL-000004", "Bertugas:")
    assert "Bertugas: Cakra Petugas (1), Baso Petugas (2)" in (card.text or "")
    assert "Disarankan: Cakra Petugas" in (card.text or "")
    await accept_ticket(world.ctx, world.cast.officer2, waiting)
    await verified(world, "Lampu kelima mati")
    card = await world.card(world.field, "PTL-000005", "Bertugas:")
    assert "Bertugas: Baso Petugas (2), Cakra Petugas (2)" in (card.text or "")
    assert "Disarankan" not in (card.text or "")


async def test_nobody_on_duty_says_so_on_the_card_and_tells_the_desk(world: World) -> None:
    for user in (world.officer, world.officer2):
        await user.sends(user.private_chat, "/tugas selesai")
        await user.private_chat.wait_for(lambda m: m.from_bot and "tidak bertugas" in (m.text or ""))
    await verified(world)
    card = await world.card(world.field, "PTL-000001",
                            "⚠ Tidak ada petugas yang bertugas sekarang untuk kasus ini (desa dan kategorinya).")
    assert "Bertugas:" not in (card.text or "")
    note = await world.desk.wait_for(lambda m: m.from_bot and "tidak ada petugas lapangan" in (m.text or ""))
    assert note.text == ("⚠ PTL-000001 (Bajeng) sudah diverifikasi, tetapi tidak ada petugas lapangan yang "
                         "bertugas sekarang untuk desa dan kategori kasus ini. Hubungi petugas atau tugaskan "
                         "langsung.")


async def test_officers_on_duty_of_another_trade_leave_nobody_for_the_case(world: World) -> None:
    for telegram_id, name in ((2001, "Baso Petugas"), (2002, "Cakra Petugas")):
        await add_staff(world.ctx, telegram_id, name, frozenset({Role.OFFICER}), categories=("sampah",))
    await verified(world)  # a street light in Bajeng: their desa, not their trade
    card = await world.card(world.field, "PTL-000001", "⚠ Tidak ada petugas yang bertugas sekarang untuk kasus ini")
    assert "Bertugas:" not in (card.text or "")
    note = await world.desk.wait_for(lambda m: m.from_bot and "tidak ada petugas lapangan" in (m.text or ""))
    assert "untuk desa dan kategori kasus ini" in (note.text or "")


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


@contextlib.contextmanager
def on_roster(world: World, *shifts: Shift) -> Iterator[None]:
    """The profile's weekly roster for this test (the profile object is shared: put back after)."""
    roster = world.ctx.profile.roster
    roster.extend(shifts)
    try:
        yield
    finally:
        roster.clear()


DAY = {"mon": "08:00-16:00", "tue": "08:00-16:00", "wed": "08:00-16:00", "thu": "08:00-16:00", "fri": "08:00-16:00"}
EVENING = {day: "16:00-23:00" for day in DAY}


async def test_the_roster_decides_who_is_on_duty_and_tugas_overrides_it_until_the_next_change(world: World) -> None:
    baso, cakra = world.cast.officer.id or 0, world.cast.officer2.id or 0
    with on_roster(world, Shift(telegram_id=2001, **DAY), Shift(telegram_id=2002, **EVENING)):  # type: ignore[arg-type]
        await verified(world)  # Monday 09:00
        card = await world.card(world.field, "PTL-000001", "Bertugas:")
        assert "Bertugas: Baso Petugas (0)" in (card.text or "") and "Cakra" not in (card.text or "")

        chat = world.officer2.private_chat
        await world.officer2.sends(chat, "/tugas mulai")  # in early: until the roster's next change
        await chat.wait_for(lambda m: m.from_bot and m.text == (
            "Anda sekarang bertugas di Kecamatan Pattallassang sampai 16.00. Kartu kasus baru menyebut Anda."))
        assert (await duty_of(world.ctx, cakra)).on and (await duty_of(world.ctx, baso)).on

        world.ctx.clock.advance(hours=8)  # type: ignore[attr-defined]  # 17:00: the evening shift
        assert (await duty_of(world.ctx, cakra)).on and not (await duty_of(world.ctx, baso)).on
        world.ctx.clock.advance(hours=7)  # type: ignore[attr-defined]  # midnight: nobody
        assert not (await duty_of(world.ctx, cakra)).on and not (await duty_of(world.ctx, baso)).on


async def test_a_case_verified_off_shift_starts_its_accept_clock_when_the_next_shift_does(world: World) -> None:
    with on_roster(world, Shift(telegram_id=2001, **DAY), Shift(telegram_id=2002, **DAY)):  # type: ignore[arg-type]
        world.ctx.clock.advance(hours=11)  # type: ignore[attr-defined]  # Monday 20:00
        tid = await verified(world)
        card = await world.card(world.field, "PTL-000001", "⚠ Tidak ada petugas")
        assert "Tenggat ambil dihitung mulai besok pukul 08.00" in (card.text or "")
        note = await world.desk.wait_for(lambda m: m.from_bot and "tidak ada petugas lapangan" in (m.text or ""))
        assert "Tenggat ambil dihitung mulai besok pukul 08.00" in (note.text or "")
        found = await ticket(world.ctx, tid)
        zone = world.ctx.profile.zone
        starts = datetime.combine(world.ctx.now().astimezone(zone).date() + timedelta(days=1), time(8), zone)
        assert found.stage_started_at == starts
        assert found.stage_deadline_at == world.ctx.stage_deadline(found.category, Stage.ACCEPT, starts)


def test_a_shift_may_cross_midnight_and_must_name_a_day() -> None:
    zone = ZoneInfo("Asia/Makassar")
    night = Shift(telegram_id=1, sat="20:00-06:00")  # type: ignore[arg-type]
    saturday = datetime(2026, 11, 28, 23, 0, tzinfo=zone)
    assert night.on(saturday, zone) and night.on(saturday + timedelta(hours=6), zone)
    assert not night.on(saturday + timedelta(hours=7), zone)
    assert night.next_change(saturday, zone) == datetime(2026, 11, 29, 6, 0, tzinfo=zone)
    assert night.next_start(saturday + timedelta(hours=8), zone) == datetime(2026, 12, 5, 20, 0, tzinfo=zone)
    with pytest.raises(ValidationError, match="names no day"):
        Shift(telegram_id=1)


async def test_the_card_mentions_only_the_officers_on_duty(world: World) -> None:
    """Their names are Telegram mentions, so the officers on duty are notified, and an off-duty one is not."""
    await world.officer2.sends(world.officer2.private_chat, "/tugas selesai")
    await world.officer2.private_chat.wait_for(lambda m: m.from_bot and "tidak bertugas" in (m.text or ""))
    await verified(world)
    card = await world.card(world.field, "PTL-000001", "Bertugas:")
    mentioned = [e["user"]["id"] for e in card.entities if e["type"] == "text_mention"]
    assert mentioned == [2001]  # Baso; Cakra is off duty
    [entity] = [e for e in card.entities if e["type"] == "text_mention"]
    text16 = (card.text or "").encode("utf-16-le")
    assert text16[2 * entity["offset"]:2 * (entity["offset"] + entity["length"])].decode("utf-16-le") == "Baso Petugas"


async def test_the_camats_summary_lists_each_officers_open_cases(world: World) -> None:
    for officer in (world.cast.officer, world.cast.officer, world.cast.officer2):
        await accept_ticket(world.ctx, officer, await verified(world))
    await link_camat(world)
    chat = world.camat.private_chat
    await world.camat.sends(chat, "/ringkasan")
    digest = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Ringkasan harian"))
    lines = (digest.text or "").splitlines()
    at = lines.index("Per petugas (dikerjakan / selesai 7 hari):")
    assert lines[at + 1:at + 3] == ["• Baso Petugas: 2 / 0", "• Cakra Petugas: 1 / 0"]
