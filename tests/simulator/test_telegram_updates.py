"""Getting updates: privacy mode, getUpdates offset/timeout/limit semantics, webhooks."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.error import BadRequest, Conflict
from telegram.ext import CommandHandler, ContextTypes

from simulator.telegram import TelegramSimulator
from tests.simulator.telegram_fixtures import application_for, simulator, started_bot


def texts(sim: TelegramSimulator) -> list[str | None]:
    return [u["message"].get("text") for u in sim.updates.pending if "message" in u]


async def test_privacy_mode_in_groups() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        alice, budi = sim.user("Alice"), sim.user("Budi")
        chatter = await budi.sends(desk, "halo semua")
        await alice.sends(desk, "/ringkasan")
        await alice.sends(desk, "/ringkasan@LaporCamatBot")
        await alice.sends(desk, "/start@OtherBot")
        await alice.sends(desk, "tolong @LaporCamatBot cek ini")
        await alice.replies(desk, to=chatter, text="setuju")  # a reply to a person, not to the bot
        card = await bot.send_message(desk.id, "LC-0001")
        await alice.replies(desk, to=desk.get(card.message_id), text="saya cek")  # type: ignore[arg-type]
        await budi.sends(budi.private_chat, "halo bot")  # private chats get everything
        updates = await bot.get_updates()
        assert [u.message.text for u in updates if u.message] == [
            "/ringkasan",
            "/ringkasan@LaporCamatBot",
            "tolong @LaporCamatBot cek ini",
            "saya cek",
            "halo bot",
        ]
        reply = updates[3].message
        assert reply is not None and reply.reply_to_message is not None
        assert reply.reply_to_message.message_id == card.message_id
        assert updates[0].message is not None and updates[0].message.entities[0].type == "bot_command"


async def test_admin_bot_or_privacy_off_sees_all_chatter() -> None:
    async with simulator() as sim:
        staff = sim.group("Staf", bot_admin=True)
        await sim.user("Budi").sends(staff, "halo semua")
        assert texts(sim) == ["halo semua"]
    async with simulator(privacy_mode=False) as sim:
        await sim.user("Budi").sends(sim.group("Desk"), "halo semua")
        assert texts(sim) == ["halo semua"]


async def test_get_updates_offset_limit_and_negative_offset() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        bob = sim.user("Bob")
        for n in range(3):
            await bob.sends(bob.private_chat, f"m{n}")
        first = await bot.get_updates(limit=2)
        assert [u.message.text for u in first if u.message] == ["m0", "m1"]
        again = await bot.get_updates()  # nothing confirmed yet: all three again
        assert len(again) == 3
        rest = await bot.get_updates(offset=first[-1].update_id + 1)  # confirms m0 and m1
        assert [u.message.text for u in rest if u.message] == ["m2"]
        assert len(await bot.get_updates()) == 1
        await bob.sends(bob.private_chat, "m3")
        last = await bot.get_updates(offset=-1)
        assert [u.message.text for u in last if u.message] == ["m3"]
        assert texts(sim) == ["m3"]  # a negative offset forgets all before


async def test_get_updates_long_poll_holds_until_update_or_timeout() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        bob = sim.user("Bob")
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await bot.get_updates(timeout=0.2) == ()
        assert loop.time() - started >= 0.2
        held = asyncio.create_task(bot.get_updates(timeout=30))
        await sim.changes.wait_until(lambda: sim.updates.polls_waiting, 5)  # the request is held
        await bob.sends(bob.private_chat, "bangun")
        updates = await asyncio.wait_for(held, 5)
        assert [u.message.text for u in updates if u.message] == ["bangun"]
        assert loop.time() - started < 10


async def test_second_get_updates_terminates_the_first() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        first = asyncio.create_task(bot.get_updates(timeout=30))
        await sim.changes.wait_until(lambda: sim.updates.polls_waiting, 5)
        second = asyncio.create_task(bot.get_updates(timeout=0))
        with pytest.raises(Conflict, match=r"terminated by other getUpdates request"):
            await asyncio.wait_for(first, 5)
        assert await second == ()


async def test_allowed_updates_persist() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        bob = sim.user("Bob")
        await bot.get_updates(allowed_updates=["callback_query"])
        await bob.sends(bob.private_chat, "tidak diminta")
        assert await bot.get_updates() == ()
        await bot.get_updates(allowed_updates=[])  # empty list: back to the default set
        await bob.sends(bob.private_chat, "diminta")
        assert len(await bot.get_updates()) == 1


async def test_webhook_delivery_with_secret_token() -> None:
    seen_tokens: list[str | None] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Selamat datang")

    async with simulator(per_private_per_second=None) as sim:
        application = application_for(sim, updater=False)
        application.add_handler(CommandHandler("start", start))
        fail_next = [True]

        async def telegram_webhook(request: Request) -> Response:
            seen_tokens.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
            if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "rahasia_123":
                return Response(status_code=403)
            if fail_next.pop() if fail_next else False:
                return Response(status_code=500)  # Telegram keeps the update and retries
            await application.update_queue.put(Update.de_json(await request.json(), application.bot))
            return Response()

        sim.webhook_transport = httpx.ASGITransport(
            app=Starlette(routes=[Route("/telegram", telegram_webhook, methods=["POST"])])
        )
        async with application:
            await application.start()
            try:
                bot = application.bot
                with pytest.raises(BadRequest, match=r"(?i)bad webhook: an https url must be provided for webhook"):
                    await bot.set_webhook("http://bot.example/telegram")
                assert await bot.set_webhook("https://bot.example/telegram", secret_token="rahasia_123")
                with pytest.raises(Conflict, match=r"can't use getUpdates method while webhook is active"):
                    await bot.get_updates()
                alice = sim.user("Alice")
                await alice.sends(alice.private_chat, "/start")
                reply = await alice.private_chat.wait_for(lambda m: m.from_bot)
                assert reply.text == "Selamat datang"
                info = await bot.get_webhook_info()
                assert info.url == "https://bot.example/telegram" and info.pending_update_count == 0
                assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
                assert await bot.delete_webhook()
                assert (await bot.get_webhook_info()).url == ""
            finally:
                await application.stop()
        assert seen_tokens == ["rahasia_123", "rahasia_123"]
