"""OfficerBot: the PTB Application in the shared event loop, its handlers and the telegram outbox dispatcher."""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from core import metrics
from core.context import Context
from core.db.advisory import HeldLock, postgres
from core.outbox import DispatcherTask
from core.periodic import Periodic
from core.settings import Settings, SettingsError
from officer_bot import chat_turns
from officer_bot.bots import Bots
from officer_bot.cards import Board
from officer_bot.channel import TelegramChannel
from officer_bot.handlers import chats, commands, duty, escalate, held, masuk, replies, staff, taps
from officer_bot.handlers.common import CONTEXT_TYPES, Deps, OfficerContext
from officer_bot.pacing import Pacer
from officer_bot.private_route import private_kecamatan
from officer_bot.shared_pacing import SharedPacing
from officer_bot.store import case_kecamatan, configured_chat
from officer_bot.telegram_io import Telegram
from officer_bot.update_inbox import UpdateInbox
from officer_bot.updates import ChatOrdered, KeepingBot

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
WEBHOOK_PATH = "/webhook/telegram"


@dataclass
class Line:
    """One bot of the install: its PTB Application, its update inbox and its handlers' deps. The
    kabupaten's bot (`kecamatan` None) and each kecamatan's own (officer_bot/bots.py says which chat is whose)."""

    app: Application[Any, Any, Any, Any, Any, Any]
    update_inbox: UpdateInbox
    deps: Deps
    kecamatan: str | None = None

    @property
    def webhook_path(self) -> str:
        return WEBHOOK_PATH if self.kecamatan is None else f"{WEBHOOK_PATH}/{self.kecamatan}"


class OfficerBot:
    """The officer bot. `start()` runs it in the current loop (polling, or webhook when `webhook_url` is set):
    the kabupaten's bot and the own bot of each kecamatan that has one (TELEGRAM_KECAMATAN_BOT_TOKENS), one
    outbox dispatcher sending each message from the bot of its chat."""

    def __init__(self, ctx: Context, settings: Settings, request: BaseRequest | None = None,
                 get_updates_request: BaseRequest | None = None, webhook_url: str | None = None,
                 poll_timeout: float = 10.0, requests: Callable[[], BaseRequest] | None = None,
                 sweep_every: float = 2.0) -> None:
        token = settings.telegram_bot_token
        if token is None or not token.get_secret_value():
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.ctx, self.settings = ctx, settings
        self.webhook_url, self.poll_timeout = webhook_url, poll_timeout
        # Replicas share the bot's updates (webhook mode on PostgreSQL): each chat's turn is taken across them.
        self.shared = bool(webhook_url) and postgres(ctx) is not None
        self._sweeping = Periodic(self._sweep, sweep_every, "telegram-stranded")
        own = {code: t for code, t in settings.kecamatan_bot_tokens().items() if code in ctx.kabupaten.profiles}
        fresh = requests or (lambda: HTTPXRequest(connection_pool_size=16))
        apps: dict[str | None, Application[Any, Any, Any, Any, Any, Any]] = {}

        def bot_of(code: str | None) -> Callable[[], Bot]:
            return lambda: apps[code].bot

        def pacer_of(line: str | None) -> Pacer:  # replicas sharing the bot share each group's minute
            return Pacer(ctx.now, shared=SharedPacing(ctx, line or "") if self.shared else None)
        self.bots = Bots(ctx, {code: bot_of(code) for code in (None, *own)}, pacer_of)
        self.pacer = self.bots.pacer(None)
        # One board per kecamatan: its cards, in its chats (outbox rows name their kecamatan), from its bot.
        boards = {tenant.kecamatan: Board(tenant, Telegram(ctx, self.bots, self.bots.of(tenant.kecamatan)),
                                          settings.media_dir, settings.console_url)
                  for tenant in ctx.tenants()}
        self.lines: list[Line] = []
        for code, secret in [(None, token.get_secret_value()), *own.items()]:
            inbox_ = UpdateInbox(ctx, "" if code is None else f"b{secret.split(':', 1)[0]}:")
            default = code is None
            bot = KeepingBot(secret, self._keeper(inbox_), base_url=f"{settings.telegram_api_url.rstrip('/')}/bot",
                             base_file_url=f"{settings.telegram_api_url.rstrip('/')}/file/bot",
                             request=(request if default and request else fresh()),
                             get_updates_request=(get_updates_request if default and get_updates_request else fresh()))
            ordered = ChatOrdered(inbox_.handle)
            app = apps[code] = (ApplicationBuilder().bot(bot).context_types(CONTEXT_TYPES)
                                .concurrent_updates(ordered).build())
            if self.shared:
                ordered.turns = chat_turns.ChatTurns(ctx, inbox_, app)
            tenant = ctx if code is None else ctx.at(code)
            deps = Deps(tenant, settings, Telegram(ctx, self.bots, code), boards[tenant.kecamatan], settings.media_dir,
                        inbox_, boards=boards)
            app.bot_data.deps = deps
            self.lines.append(Line(app, inbox_, deps, code))
        first = self.lines[0]
        self.app, self.update_inbox, self.deps, self.tg = first.app, first.update_inbox, first.deps, first.deps.tg
        self.board = boards[ctx.kecamatan]
        self.channel = TelegramChannel(boards)
        for line in self.lines:
            self._register(line)
        self._dispatcher = DispatcherTask(ctx, "telegram", self.channel.send)
        self._pollers: list[HeldLock] = []  # this process polls these bots

    def _keeper(self, update_inbox: UpdateInbox) -> Callable[[Sequence[Update]], Awaitable[None]]:
        async def keep(updates: Sequence[Update]) -> None:
            await self._keep(update_inbox, updates)
        return keep

    async def _keep(self, update_inbox: UpdateInbox, updates: Sequence[Update]) -> None:
        """Store fetched updates, then start their taps' answer windows (officer_bot/tap_window.py)."""
        await update_inbox.keep(updates)
        next(line for line in self.lines if line.update_inbox is update_inbox).deps.taps.fetched(updates)

    async def _route(self, update: Update, context: OfficerContext) -> None:
        """Before any handler: an update from a kecamatan's desk or field group is handled in that kecamatan
        (its context, profile and cards); one in a chat that serves them all (an agency's group, the
        kabupaten's chat) in the kecamatan of the case it is about; one in a private chat in the kecamatan
        it names or the sender works in (officer_bot/private_route.py). Anything else stays with the bot's
        first kecamatan. A group chat that is another bot's (a kecamatan's own bot left in the kabupaten's
        group, or the other way round) is not answered: that chat's bot answers there."""
        chat, kabupaten, deps = update.effective_chat, self.ctx.kabupaten, context.bot_data.deps
        if chat is None:
            return
        if chat.type == "private":
            code = await private_kecamatan(self.ctx, update)
            if code is not None and code in kabupaten.profiles:
                context.tenant = deps.at(code)
            return
        configured = await configured_chat(self.ctx, chat.id)
        profile = kabupaten.by_chat(configured)
        if self.bots.of(profile.code if profile else "") != self._line(context).kecamatan:
            log.warning("telegram update in a chat another bot of the install serves; ignored",
                        extra={"chat_id": chat.id})
            raise ApplicationHandlerStop
        if profile is None and kabupaten.shared_chat(configured):
            code = await case_kecamatan(self.ctx, update, chat.id)
            profile = kabupaten.profiles.get(code) if code else None
        if profile is not None:
            context.tenant = deps.at(profile.code)

    def _line(self, context: OfficerContext) -> Line:
        return next(line for line in self.lines if line.app is context.application)

    def _register(self, line: Line) -> None:
        app = line.app
        kabupaten = self.ctx.kabupaten
        shared = kabupaten.telegram.chat_id is not None or any(a.telegram_chat_id for a in kabupaten.agencies)
        if len(kabupaten) > 1 or shared:  # a kabupaten of one with no shared chat has nothing to choose
            app.add_handler(TypeHandler(Update, self._route), group=-1)
        app.add_handler(held.HANDLER)  # before on_tap, which takes every other tap
        app.add_handler(CallbackQueryHandler(taps.on_tap))
        app.add_handler(CommandHandler("start", commands.start))
        app.add_handler(CommandHandler("daftar", staff.register))
        app.add_handler(CommandHandler("ringkasan", commands.summary))
        app.add_handler(CommandHandler("tiket", commands.ticket))
        app.add_handler(CommandHandler("masuk", masuk.sign_in_link))
        app.add_handler(CommandHandler("tugas", duty.duty))
        app.add_handler(CommandHandler("eskalasi", escalate.escalate))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chats.on_migrate))
        app.add_handler(MessageHandler(
            (filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.LOCATION) & ~filters.COMMAND,
            replies.on_message))
        app.add_error_handler(self._on_error)

    async def _on_error(self, update: object, context: OfficerContext) -> None:
        """Log the failure and keep it on the update's inbox row (instead of marking it handled)."""
        log.error("officer bot handler failed", exc_info=context.error)
        self._line(context).update_inbox.failed(update, context.error)

    async def start(self) -> None:
        """Initialise each bot's Application, handle what was stored but not handled (a crash), then start
        receiving updates and the outbox dispatcher."""
        for line in self.lines:
            await line.app.initialize()
            line.deps.bot_username = line.app.bot.username
        if not self.webhook_url:
            try:
                for line in self.lines:
                    await self._sole_poller(line)
            except SettingsError:
                await self.stop()
                raise
        for line in self.lines:
            app = line.app
            await app.start()
            for update in await line.update_inbox.stored(app.bot):  # ahead of anything fetched now
                await app.update_queue.put(update)
            if self.webhook_url:
                secret = self.settings.telegram_webhook_secret
                url = self.webhook_url if line.kecamatan is None else f"{self.webhook_url.rstrip('/')}/{line.kecamatan}"
                await app.bot.set_webhook(url, allowed_updates=ALLOWED_UPDATES,
                                          secret_token=secret.get_secret_value() if secret else None)
            else:
                assert app.updater is not None
                await app.updater.start_polling(poll_interval=0, timeout=int(self.poll_timeout),
                                                allowed_updates=ALLOWED_UPDATES)
        self._dispatcher.start()
        if self.shared:
            self._sweeping.start()
        log.info("officer bot started", extra={"mode": "webhook" if self.webhook_url else "polling",
                                               "bots": len(self.lines)})

    async def _sole_poller(self, line: Line) -> None:
        """Refuse to be a second poller of a bot (Telegram answers two getUpdates with 409 Conflict, and the
        two would take each other's updates): the poller holds a lock on the database for as long as it runs."""
        lock = HeldLock(self.ctx, f"telegram-poller:{line.app.bot.id}")
        if not await lock.acquire():
            raise SettingsError([f"TELEGRAM_WEBHOOK_URL: another lapor-camat process already polls Telegram for "
                                 f"@{line.app.bot.username}; run the officer bot in one process "
                                 f"(`lapor-camat run --only officer`), or set TELEGRAM_WEBHOOK_URL so that "
                                 f"every replica takes updates"])
        self._pollers.append(lock)

    async def _sweep(self) -> None:
        """Queue here what a dead replica stored and did not handle (webhook mode on PostgreSQL)."""
        lines = [(line.update_inbox, line.app) for line in self.lines]
        try:
            if queued := await chat_turns.stranded(self.ctx, lines):
                log.info("stranded telegram updates queued again", extra={"count": queued})
        except Exception:  # the database away for a moment: the next sweep tries again
            log.warning("could not look for stranded telegram updates", exc_info=True)

    async def stop(self) -> None:
        """Stop the dispatcher, then updates, then the Applications."""
        await self._sweeping.stop()  # between two passes (a cancelled query strands its connection)
        for line in self.lines:  # an album being handled finishes; one still arriving waits for the next start
            await line.deps.albums.close()
        await self._dispatcher.stop()
        for line in self.lines:
            app = line.app
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await line.deps.taps.close()
            await app.shutdown()
        for lock in self._pollers:
            await lock.release()
        self._pollers.clear()

    @property
    def routes(self) -> list[Route]:
        """POST /webhook/telegram (the kabupaten's bot) and /webhook/telegram/<code> (a kecamatan's own bot)
        for webhook mode; the secret token header must match."""
        return [Route(line.webhook_path, metrics.acknowledged("telegram", self._webhook_of(line)), methods=["POST"])
                for line in self.lines]

    def _webhook_of(self, line: Line) -> Callable[[Request], Awaitable[Response]]:
        async def webhook(request: Request) -> Response:
            return await self._webhook(line, request)
        return webhook

    async def _webhook(self, line: Line, request: Request) -> Response:
        secret = self.settings.telegram_webhook_secret
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if secret is None or not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
            return Response(status_code=403)
        try:
            update = Update.de_json(json.loads(await request.body()), line.app.bot)
        except (ValueError, TypeError, KeyError):
            log.warning("unreadable telegram webhook body")
            return Response(status_code=400)
        try:
            await self._keep(line.update_inbox, [update])  # before the 200: Telegram forgets an update once answered
        except SQLAlchemyError:
            log.exception("telegram webhook not stored; Telegram sends it again")
            return Response(status_code=503)
        await line.app.update_queue.put(update)
        return Response()
