"""Staff registration asks once, each decision is taken once, and every staff change and follow is audited."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from core.db.models import InboxUpdate, StaffEvent, TelegramPrompt, TicketEvent
from core.domain.lifecycle import Role
from core.settings import Settings
from core.usecases.citizen import follow_ticket
from core.usecases.staff import add_staff
from officer_bot import OfficerBot
from officer_bot.store import open_registration
from tests.core.story import report
from tests.core.test_cli import run
from tests.officer.conftest import World, request_for, until

SENT = "Permintaan pendaftaran Anda dikirim ke meja verifikasi."
PENDING = "Permintaan pendaftaran Anda sudah diajukan dan sedang menunggu persetujuan admin."
SECRET = "webhook-secret_2"


def requests_in_desk(world: World, name: str) -> int:
    return sum(1 for m in world.desk.bot_messages if f"{name} (Telegram" in (m.text or ""))


async def open_requests(world: World, user_id: int) -> int:
    async with world.ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(TelegramPrompt).where(
            TelegramPrompt.kind == "registration", TelegramPrompt.user_id == user_id,
            TelegramPrompt.closed_at.is_(None))) or 0


async def staff_events(world: World, telegram_id: int) -> list[StaffEvent]:
    async with world.ctx.sessions() as session:
        return list(await session.scalars(select(StaffEvent).where(StaffEvent.telegram_id == telegram_id)
                                          .order_by(StaffEvent.id)))


async def test_daftar_six_times_posts_one_request_and_five_pending_answers(world: World) -> None:
    chat = world.stranger.private_chat
    for _ in range(6):
        await world.stranger.sends(chat, "/daftar")
    await chat.wait_for(lambda m: len(chat.bot_messages) == 6, timeout=15)  # one reply a second to a person
    assert [m.text for m in chat.bot_messages] == [SENT] + [PENDING] * 5
    await world.desk.wait_for(lambda m: m.from_bot and "Orang Lewat (Telegram 7777)" in (m.text or ""))
    await world.settled()
    assert requests_in_desk(world, "Orang Lewat") == 1 and await open_requests(world, 7777) == 1


class RoundRobin(httpx.AsyncBaseTransport):
    """Two replicas behind one webhook URL, taking turns: consecutive updates are handled side by side."""

    def __init__(self, *apps: Any) -> None:
        self.replicas, self.turn = [httpx.ASGITransport(app=app) for app in apps], 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.turn += 1
        return await self.replicas[self.turn % len(self.replicas)].handle_async_request(request)


async def test_two_daftar_on_two_replicas_at_once_make_one_request(world: World) -> None:
    from starlette.applications import Starlette

    assert world.bot.app.updater is not None
    await world.bot.app.updater.stop()  # from here Telegram pushes updates to two webhook replicas
    settings = Settings(_env_file=None, telegram_bot_token=world.sim.token,  # type: ignore[call-arg]
                        telegram_api_url=world.sim.base_url, media_dir=world.media_dir,
                        telegram_webhook_secret=SECRET)
    replicas = [OfficerBot(world.ctx, settings, request=request_for(world.sim),
                           get_updates_request=request_for(world.sim), webhook_url="https://bot.test/webhook/telegram")
                for _ in range(2)]
    for replica in replicas:
        await replica.start()
    try:
        world.sim.webhook_transport = RoundRobin(*(Starlette(routes=r.routes) for r in replicas))
        newcomer = world.sim.user("Dewi", user_id=4242)
        chat = newcomer.private_chat
        await newcomer.sends(chat, "/daftar")
        await newcomer.sends(chat, "/daftar")
        await until(world.ctx, lambda: both_handled(world, "4242"), timeout=15)
        await world.desk.wait_for(lambda m: m.from_bot and "Dewi (Telegram 4242)" in (m.text or ""))
        await world.settled()
        assert requests_in_desk(world, "Dewi") == 1 and await open_requests(world, 4242) == 1
        # (Each replica paces only its own replies, so the two answers may meet Telegram's limit of
        # one message a second to a person: which answers arrive is not what this test asserts.)
        assert [m.text for m in chat.bot_messages].count(SENT) <= 1
    finally:
        for replica in replicas:
            await replica.stop()


async def both_handled(world: World, sender: str) -> bool:
    async with world.ctx.sessions() as session:
        rows = (await session.execute(select(InboxUpdate.processed_at, InboxUpdate.error).where(
            InboxUpdate.platform == "telegram", InboxUpdate.sender == sender))).all()
    return len(rows) == 2 and all(done is not None or error is not None for done, error in rows)


async def test_two_requests_in_the_same_moment_make_one(world: World) -> None:
    desk = world.desk.id
    opened = await asyncio.gather(*(open_registration(world.ctx, desk, 5151, "Rina") for _ in range(2)))
    assert sorted(opened, key=lambda x: x is None)[1] is None and any(opened)
    await world.desk.wait_for(lambda m: m.from_bot and "Rina (Telegram 5151)" in (m.text or ""))
    await world.settled()
    assert requests_in_desk(world, "Rina") == 1 and await open_requests(world, 5151) == 1


async def test_approval_is_taken_once_and_audited(world: World) -> None:
    await add_staff(world.ctx, 9002, "Admin Dua", frozenset({Role.ADMIN}))
    second_admin = world.sim.user("Admin Dua", user_id=9002)
    newcomer = world.sim.user("Dewi", user_id=4242)
    await newcomer.sends(newcomer.private_chat, "/daftar")
    request = await world.desk.wait_for(lambda m: m.from_bot and "Dewi (Telegram 4242)" in (m.text or ""))
    answers = await asyncio.gather(world.admin.taps(request, "Jadikan petugas"),
                                   second_admin.taps(request, "Jadikan verifikator"))
    won = [a.text for a in answers if "terdaftar sebagai" in (a.text or "")]
    assert len(won) == 1 and sum(a.text == "Data tidak valid." for a in answers) == 1
    events = await staff_events(world, 4242)
    assert [e.action for e in events] == ["approve"]
    approve = events[0]
    assert approve.actor_kind == "staff" and approve.actor_name in ("Admin", "Admin Dua")
    assert approve.data["roles"] in (["officer"], ["verifier"]) and approve.data["before"] is None
    assert approve.staff_id is not None and approve.created_at == world.ctx.now()


async def test_a_declined_request_is_on_the_record(world: World) -> None:
    newcomer = world.sim.user("Dewi", user_id=4242)
    await newcomer.sends(newcomer.private_chat, "/daftar")
    request = await world.desk.wait_for(lambda m: m.from_bot and "Dewi (Telegram 4242)" in (m.text or ""))
    assert (await world.admin.taps(request, "Tolak pendaftaran")).text == "Pendaftaran Dewi ditolak."
    [declined] = await staff_events(world, 4242)
    assert declined.action == "decline" and declined.actor_name == "Admin" and declined.staff_id is None
    await newcomer.sends(newcomer.private_chat, "/daftar")  # after a decision a new request may be made
    await newcomer.private_chat.wait_for(lambda m: len(newcomer.private_chat.bot_messages) == 2)
    assert [m.text for m in newcomer.private_chat.bot_messages] == [SENT, SENT]


async def test_the_camat_approves_a_request_and_a_verifier_may_not(world: World) -> None:
    newcomer = world.sim.user("Dewi", user_id=4242)
    await newcomer.sends(newcomer.private_chat, "/daftar")
    request = await world.desk.wait_for(lambda m: m.from_bot and "Dewi (Telegram 4242)" in (m.text or ""))
    assert "tidak berwenang" in ((await world.verifier.taps(request, "Jadikan petugas")).text or "")
    assert await staff_events(world, 4242) == []
    camat = world.sim.user("Pak Camat", user_id=3001)  # the camat on the staff list (not the profile's chat id)
    assert "terdaftar sebagai" in ((await camat.taps(request, "Jadikan petugas")).text or "")
    [approved] = await staff_events(world, 4242)
    assert (approved.action, approved.actor_name, approved.data["roles"]) == ("approve", "Pak Camat", ["officer"])


async def test_cli_staff_add_change_and_remove_are_audited(world: World, db_url: str, tmp_path: Any) -> None:
    env = {"DATABASE_URL": db_url, "USER": "operator1"}

    def cli() -> None:
        assert run(tmp_path, "staff", "add", "4343", "Siti", "--role", "verifier", **env).returncode == 0
        assert run(tmp_path, "staff", "add", "4343", "Siti", "--role", "officer", **env).returncode == 0
        assert run(tmp_path, "staff", "add", "4343", "Siti", "--role", "officer", **env).returncode == 0  # same
        assert run(tmp_path, "staff", "remove", "4343", **env).returncode == 0
        history = run(tmp_path, "staff", "history", "4343", **env)
        assert history.returncode == 0 and history.stdout.count("by cli operator1") == 3, history.stdout

    await asyncio.to_thread(cli)
    events = await staff_events(world, 4343)
    assert [e.action for e in events] == ["add", "update", "deactivate"]
    assert {e.actor_kind for e in events} == {"system"} and {e.actor_name for e in events} == {"cli operator1"}
    assert events[1].data["before"]["roles"] == ["verifier"] and events[1].data["roles"] == ["officer"]
    assert events[2].data["active"] is False and events[2].data["before"]["active"] is True


async def test_follows_are_audited_on_the_followed_ticket(world: World) -> None:
    original = await report(world.ctx, world.cast.reporter)
    await report(world.ctx, world.cast.neighbour, "Lampu mati dekat masjid")
    card = await world.card(world.desk, "PTL-000002", "Mungkin duplikat: PTL-000001")
    await world.verifier.taps(card, "Duplikat")
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("PTL-000001"))
    await world.verifier.taps(menu, "PTL-000001")
    third = await report(world.ctx, world.cast.reporter, "Sampah di pasar", category="sampah", latitude=-5.0)
    await follow_ticket(world.ctx, world.cast.neighbour, third)
    await follow_ticket(world.ctx, world.cast.neighbour, third)  # already following: nothing new

    async def follows(ticket_id: int) -> list[TicketEvent]:
        async with world.ctx.sessions() as session:
            return list(await session.scalars(select(TicketEvent).where(
                TicketEvent.ticket_id == ticket_id, TicketEvent.action == "follow")))

    [merged] = await follows(original)
    assert merged.actor_kind == "staff" and merged.actor_name == "Andi Verifikator"
    assert merged.data == {"citizen_id": world.cast.neighbour.id, "via": "duplicate"}
    [offered] = await follows(third)
    assert offered.actor_kind == "citizen" and offered.actor_id == world.cast.neighbour.id
    assert offered.actor_name == "" and offered.data == {"citizen_id": world.cast.neighbour.id, "via": "offer"}
