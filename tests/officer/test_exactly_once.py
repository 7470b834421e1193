"""Telegram updates exactly once: kept as fetched, handled after a crash, once whatever the road, errors kept.

The real officer bot against the Telegram simulator. "Confirmed" is the simulator's word for an
update Telegram will not send again: a getUpdates whose offset is past it (or a 200 to its webhook).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from telegram import Update
from telegram.request import HTTPXRequest

from core import inbox
from core.context import Context
from core.db.models import Attachment, InboxUpdate, TicketEvent
from core.domain.lifecycle import Action, TicketState
from core.settings import Settings
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from officer_bot import OfficerBot
from officer_bot.chat_turns import STRANDED_AFTER
from officer_bot.update_inbox import MAX_ATTEMPTS, external_id
from simulator.telegram import SimChat, SimMessage, SimUser, TelegramSimulator
from tests.conftest import Clock
from tests.core.story import Cast, cast, report, ticket
from tests.officer.conftest import TOKEN, until
from tests.simulator.telegram_fixtures import png

SECRET = "webhook-secret_1"
Scope = dict[str, Any]


class HeldSends:
    """Telegram slow to answer: every sendMessage waits until `release()` (an ASGI wrapper of the simulator)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.holding = asyncio.Event()
        self._released = asyncio.Event()

    def release(self) -> None:
        self._released.set()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/sendMessage") and not self._released.is_set():
            self.holding.set()
            await self._released.wait()
        await self.app(scope, receive, send)


class Replicas(httpx.AsyncBaseTransport):
    """Two replicas behind one webhook URL. The first request reaches one that stores the update (as
    every replica does first) and dies before answering; the rest reach `alive`, and
    `drop_next_answer()` loses its next 200 on the way back."""

    def __init__(self, ctx: Context, alive: Any) -> None:
        self.ctx, self.alive = ctx, httpx.ASGITransport(app=alive)
        self.first, self.drop_answer = True, False

    def drop_next_answer(self) -> None:
        self.drop_answer = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.first:
            self.first = False
            await self._store_and_die(await request.aread())
        response = await self.alive.handle_async_request(request)
        if self.drop_answer:
            self.drop_answer = False
            raise httpx.ReadError("connection reset after the request")
        return response

    async def _store_and_die(self, body: bytes) -> None:
        data = json.loads(body)
        update = Update.de_json(data, None)
        user = update.effective_user
        await inbox.store(self.ctx, "telegram", external_id(update), str(user.id) if user else "", json.dumps(data))
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")


@dataclass
class Scene:
    ctx: Context
    sim: TelegramSimulator
    cast: Cast
    desk: SimChat
    field: SimChat
    officer: SimUser
    stranger: SimUser
    media_dir: Path
    running: list[OfficerBot] = field(default_factory=list)

    def bot(self, api: Any = None, webhook: bool = False, sweep_every: float = 2.0) -> OfficerBot:
        """An officer bot on the simulator (`api`: an ASGI app in front of it for the bot's calls)."""
        extra: dict[str, Any] = {"telegram_webhook_secret": SECRET} if webhook else {}
        settings = Settings(_env_file=None, telegram_bot_token=self.sim.token,  # type: ignore[call-arg]
                            telegram_api_url=self.sim.base_url, media_dir=self.media_dir, **extra)

        def request(app: Any) -> HTTPXRequest:
            return HTTPXRequest(httpx_kwargs={"transport": httpx.ASGITransport(app=app)})
        return OfficerBot(self.ctx, settings, request=request(api or self.sim.app), get_updates_request=request(
            self.sim.app), poll_timeout=1, webhook_url="https://bot.test/webhook/telegram" if webhook else None,
            sweep_every=sweep_every)

    async def start(self, bot: OfficerBot | None = None) -> OfficerBot:
        bot = bot or self.bot()
        await bot.start()
        self.running.append(bot)
        return bot

    async def stop(self, bot: OfficerBot) -> None:
        self.running.remove(bot)
        await bot.stop()

    async def fetched_then_killed(self, confirm: bool) -> None:
        """A bot process that fetched what Telegram had (confirming it too, with `confirm`) and was
        killed before handling any of it."""
        doomed = self.bot()
        await doomed.app.initialize()
        fetched = await doomed.app.bot.get_updates(timeout=0)
        assert fetched
        if confirm:
            await doomed.app.bot.get_updates(offset=fetched[-1].update_id + 1, timeout=0)
        await doomed.app.shutdown()

    def confirmed(self, update_id: int) -> bool:
        return all(u["update_id"] != update_id for u in self.sim.updates.pending)

    async def field_card(self, *more: str) -> SimMessage:
        return await self.field.wait_for(lambda m: m.from_bot and (m.text or "").startswith("PTL-000001 ·")
                                         and all(w in (m.text or "") for w in more), 5)


@pytest.fixture
async def scene(ctx: Context, tmp_path: Path) -> AsyncIterator[Scene]:
    chats = ctx.profile.telegram
    async with TelegramSimulator(token=TOKEN) as sim:
        desk = sim.group("Desk Pattallassang", chat_id=chats.desk_chat_id)
        field_group = sim.group("Petugas Lapangan", chat_id=chats.field_chat_ids[0])
        people = await cast(ctx)
        found = Scene(ctx, sim, people, desk, field_group, officer=sim.user("Baso", user_id=2001),
                      stranger=sim.user("Orang Lewat", user_id=7777), media_dir=tmp_path / "media")
        try:
            yield found
        finally:
            for bot in reversed(found.running):
                await bot.stop()


async def row(ctx: Context, external_id: str) -> InboxUpdate | None:
    async with ctx.sessions() as session:
        return await session.scalar(select(InboxUpdate).where(InboxUpdate.platform == "telegram",
                                                              InboxUpdate.external_id == external_id))


async def handled(ctx: Context, external_id: str) -> InboxUpdate | None:
    found = await row(ctx, external_id)
    return found if found is not None and found.processed_at is not None else None


async def events(ctx: Context, ticket_id: int, action: Action) -> int:
    async with ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.action == action.value)) or 0


def answers_to(sim: TelegramSimulator, query_id: str) -> list[dict[str, Any]]:
    """Every answerCallbackQuery the bot made for one tap (an answer the simulator refused included)."""
    return [e for e in sim.transcript if e["method"] == "answerCallbackQuery"
            and e["params"].get("callback_query_id") == query_id]


async def verified(scene: Scene) -> int:
    tid = await report(scene.ctx, scene.cast.reporter)
    await verify_ticket(scene.ctx, scene.cast.verifier, tid)
    return tid


async def test_an_update_waiting_behind_a_busy_chat_is_kept_before_telegram_forgets_it(scene: Scene) -> None:
    held = HeldSends(scene.sim.app)
    bot = await scene.start(scene.bot(api=held))
    chat = scene.officer.private_chat
    await scene.officer.sends(chat, "/start")
    await asyncio.wait_for(held.holding.wait(), 5)  # the bot's answer hangs: the chat is busy
    waiting = await scene.officer.sends(chat, "Halo")
    update_id = scene.sim.updates.emitted[-1]["update_id"]
    key = f"m:{chat.id}:{waiting.message_id}:{update_id}"

    try:
        await scene.sim.changes.wait_until(lambda: scene.confirmed(update_id), 5)
        kept = await row(scene.ctx, key)
        assert kept is not None and kept.processed_at is None  # kept, still to do: a kill now loses nothing
    finally:
        held.release()
    await until(scene.ctx, lambda: handled(scene.ctx, key))
    await scene.stop(bot)


async def test_a_tap_fetched_and_confirmed_by_a_killed_bot_is_handled_after_the_restart(scene: Scene) -> None:
    tid = await verified(scene)
    bot = await scene.start()
    card = await scene.field_card("Diverifikasi")
    await scene.stop(bot)

    tap = scene.officer.tap(card, "Ambil")
    await scene.fetched_then_killed(confirm=True)
    assert scene.sim.updates.pending == []  # Telegram will not send it again: only the inbox has it

    await scene.start()
    assert (await tap.answered()).text == "Anda mengambil PTL-000001."
    await scene.field_card("Dikerjakan oleh Baso Petugas")
    assert (await ticket(scene.ctx, tid)).state == TicketState.IN_PROGRESS
    assert await until(scene.ctx, lambda: handled(scene.ctx, f"cb:{tap.id}"))


async def test_a_kept_tap_coming_by_the_replay_and_again_from_telegram_is_handled_once(scene: Scene) -> None:
    tid = await verified(scene)
    bot = await scene.start()
    card = await scene.field_card("Diverifikasi")
    await scene.stop(bot)

    tap = scene.officer.tap(card, "Ambil")
    await scene.fetched_then_killed(confirm=False)  # stored, not confirmed: Telegram sends it again too
    bot = await scene.start()
    assert (await tap.answered()).text == "Anda mengambil PTL-000001."
    await scene.sim.changes.wait_until(lambda: not scene.sim.updates.pending, 5)
    await bot.app.update_queue.join()  # both copies have been through the bot

    assert await events(scene.ctx, tid, Action.ACCEPT) == 1
    assert len(answers_to(scene.sim, tap.id)) == 1
    kept = await handled(scene.ctx, f"cb:{tap.id}")
    assert kept is not None and kept.attempts == 1 and kept.error is None


async def test_a_webhook_redelivered_after_a_replica_died_is_handled_and_a_handled_one_is_not_again(
        scene: Scene) -> None:
    tid = await verified(scene)
    await accept_ticket(scene.ctx, scene.cast.officer, tid)
    polling = await scene.start()
    card = await scene.field_card("Dikerjakan oleh Baso Petugas")
    await scene.stop(polling)

    alive = await scene.start(scene.bot(webhook=True))
    replicas = Replicas(scene.ctx, Starlette(routes=alive.routes))
    scene.sim.webhook_transport = replicas
    replicas.drop_next_answer()  # and the 200 of the replica that handles it is lost too
    photo = await scene.officer.sends_photo(scene.field, png(shade=40), caption="Sedang ganti bohlam", reply_to=card)
    update_id = scene.sim.updates.emitted[-1]["update_id"]

    await scene.field_card("Progres terakhir: Sedang ganti bohlam")
    await scene.sim.changes.wait_until(lambda: scene.confirmed(update_id), 5)  # delivered three times
    await alive.app.update_queue.join()

    async with scene.ctx.sessions() as session:
        progress = await session.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.ticket_id == tid))
    assert progress == 1 and await events(scene.ctx, tid, Action.ADD_PROGRESS) == 1
    kept = await handled(scene.ctx, f"m:{scene.field.id}:{photo.message_id}:{update_id}")
    assert kept is not None and kept.attempts == 1 and kept.error is None


async def test_a_failing_handler_leaves_its_error_and_is_retried_on_start_until_set_aside(scene: Scene) -> None:
    plan = scene.sim.api_faults(rate=1.0, kinds=("500",), only=lambda method, path: path.endswith("/sendMessage"))
    bot = await scene.start()
    chat = scene.stranger.private_chat
    message = await scene.stranger.sends(chat, "/start")
    key = f"m:{chat.id}:{message.message_id}:{scene.sim.updates.emitted[-1]['update_id']}"

    async def failed(attempts: int) -> InboxUpdate | None:
        found = await row(scene.ctx, key)
        return found if found is not None and found.attempts == attempts and found.error else None

    first = await until(scene.ctx, lambda: failed(1))
    assert first.processed_at is None and first.error.startswith("NetworkError")  # to do again, not done
    for attempt in range(2, MAX_ATTEMPTS + 1):  # each start tries it again
        await scene.stop(bot)
        bot = await scene.start()
        await bot.app.update_queue.join()  # the replay has been handled
        last = await failed(attempt)
        assert last is not None
    assert last.processed_at is not None and last.error.startswith("NetworkError")  # set aside, error kept
    assert plan.log and all(path.endswith("/sendMessage") for _, path, _ in plan.log)

    await scene.stop(bot)
    scene.sim.api_faults(rate=0)
    bot = await scene.start()
    await bot.app.update_queue.join()
    assert await inbox.pending(scene.ctx, "telegram") == []
    kept = await row(scene.ctx, key)
    assert kept is not None and kept.attempts == MAX_ATTEMPTS  # not tried again
    assert not [e for e in scene.sim.transcript if e["method"] == "sendMessage" and e["status"] == 200
                and str(e["params"].get("chat_id")) == str(chat.id)]


async def test_an_update_whose_handling_ended_the_process_every_time_is_set_aside(scene: Scene) -> None:
    chat = scene.stranger.private_chat
    message = await scene.stranger.sends(chat, "/start")
    key = f"m:{chat.id}:{message.message_id}:{scene.sim.updates.emitted[-1]['update_id']}"
    await scene.fetched_then_killed(confirm=True)
    for _ in range(MAX_ATTEMPTS):  # three runs each took it and died handling it
        assert await inbox.claim(scene.ctx, "telegram", key, MAX_ATTEMPTS) is not None

    bot = await scene.start()
    await bot.app.update_queue.join()
    kept = await row(scene.ctx, key)
    assert kept is not None and kept.processed_at is not None and (kept.error or "").startswith("gave up")
    assert not [e for e in scene.sim.transcript if e["method"] == "sendMessage"
                and str(e["params"].get("chat_id")) == str(chat.id)]


class RoundRobin(httpx.AsyncBaseTransport):
    """Replicas behind one webhook URL, each webhook to the next (a replica that is `dead` stores the update,
    answers 200 and is gone before handling it: killed between the two)."""

    def __init__(self, ctx: Context, *apps: Any) -> None:
        self.ctx, self.replicas = ctx, [httpx.ASGITransport(app=app) for app in apps]
        self.sent, self.dead = 0, False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.dead:
            self.dead = False
            data = json.loads(await request.aread())
            update = Update.de_json(data, None)
            user = update.effective_user
            await inbox.store(self.ctx, "telegram", external_id(update), str(user.id) if user else "", json.dumps(data))
            return httpx.Response(200)
        self.sent += 1
        return await self.replicas[self.sent % len(self.replicas)].handle_async_request(request)


def numbers_answered(chat: SimChat) -> list[str]:
    """The case number each of the bot's answers in `chat` is about, in the chat's order."""
    return [(m.text or "").partition(" ")[0].strip("<b>") for m in chat.bot_messages]


async def test_two_webhook_replicas_handle_each_chat_in_order_and_each_update_once(scene: Scene, postgres: None
                                                                                    ) -> None:
    numbers = [(await ticket(scene.ctx, await report(scene.ctx, scene.cast.reporter, f"Laporan {i}"))).number
               for i in range(4)]
    asked = [numbers[i] for i in (2, 0, 3, 1, 1, 3, 0, 2, 3, 2, 0, 1)]
    replicas = [await scene.start(scene.bot(webhook=True)) for _ in range(2)]
    scene.sim.webhook_transport = RoundRobin(scene.ctx, *(Starlette(routes=bot.routes) for bot in replicas))
    chat = scene.officer.private_chat
    for number in asked:  # Telegram sends the next one as soon as the last was stored (its 200)
        await scene.officer.sends(chat, f"/tiket {number}")

    await scene.sim.changes.wait_until(lambda: len(chat.bot_messages) >= len(asked), 20)
    for bot in replicas:
        await bot.app.update_queue.join()
    assert numbers_answered(chat) == asked  # in the order asked, though every other one went to the other replica
    async with scene.ctx.sessions() as session:
        rows = (await session.scalars(select(InboxUpdate).where(InboxUpdate.external_id.startswith(
            f"m:{chat.id}:")))).all()
    assert len(rows) == len(asked) and all(r.processed_at and r.attempts == 1 and not r.error for r in rows)
    assert len(chat.bot_messages) == len(asked)  # each once


async def test_a_replica_killed_after_its_200_leaves_the_update_to_the_chats_next_turn_or_the_sweep(
        scene: Scene, clock: Clock, postgres: None) -> None:
    numbers = [(await ticket(scene.ctx, await report(scene.ctx, scene.cast.reporter, f"Laporan {i}"))).number
               for i in range(3)]
    alive = await scene.start(scene.bot(webhook=True, sweep_every=0.05))
    proxy = scene.sim.webhook_transport = RoundRobin(scene.ctx, Starlette(routes=alive.routes))
    chat = scene.officer.private_chat

    proxy.dead = True  # stored by a replica that dies at once; the chat's next message comes to the survivor
    await scene.officer.sends(chat, f"/tiket {numbers[0]}")
    await scene.officer.sends(chat, f"/tiket {numbers[1]}")
    await scene.sim.changes.wait_until(lambda: len(chat.bot_messages) >= 2, 10)
    assert numbers_answered(chat) == numbers[:2]  # the dead replica's first, as the chat sent them

    proxy.dead = True  # and one with nothing after it: the survivor's sweep takes it, once it is old enough
    await scene.officer.sends(chat, f"/tiket {numbers[2]}")
    key = f"m:{chat.id}:{chat.messages[-1].message_id}:{scene.sim.updates.emitted[-1]['update_id']}"
    await until(scene.ctx, lambda: row(scene.ctx, key))
    clock.advance(seconds=STRANDED_AFTER.total_seconds() + 1)
    await scene.sim.changes.wait_until(lambda: len(chat.bot_messages) >= 3, 10)
    await alive.app.update_queue.join()
    assert numbers_answered(chat) == numbers
    kept = await handled(scene.ctx, key)
    assert kept is not None and kept.attempts == 1 and kept.error is None
