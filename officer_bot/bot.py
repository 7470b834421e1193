"""OfficerBot: the PTB Application in the shared event loop, its handlers and the telegram outbox dispatcher."""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from core.context import Context
from core.outbox import DispatcherTask
from core.settings import Settings
from officer_bot.cards import Board
from officer_bot.channel import TelegramChannel
from officer_bot.handlers import chats, commands, duty, held, masuk, replies, staff, taps
from officer_bot.handlers.common import CONTEXT_TYPES, Deps, OfficerContext
from officer_bot.pacing import Pacer
from officer_bot.private_route import private_kecamatan
from officer_bot.store import case_kecamatan, configured_chat
from officer_bot.telegram_io import Telegram
from officer_bot.update_inbox import UpdateInbox
from officer_bot.updates import ChatOrdered, KeepingBot

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
WEBHOOK_PATH = "/webhook/telegram"


class OfficerBot:
    """The officer bot. `start()` runs it in the current loop (polling, or webhook when `webhook_url` is set)."""

    def __init__(self, ctx: Context, settings: Settings, request: BaseRequest | None = None,
                 get_updates_request: BaseRequest | None = None, webhook_url: str | None = None,
                 poll_timeout: float = 10.0) -> None:
        token = settings.telegram_bot_token
        if token is None or not token.get_secret_value():
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.ctx, self.settings = ctx, settings
        self.webhook_url, self.poll_timeout = webhook_url, poll_timeout
        api = settings.telegram_api_url.rstrip("/")
        self.update_inbox = UpdateInbox(ctx)
        bot = KeepingBot(token.get_secret_value(), self._keep, base_url=f"{api}/bot",
                         base_file_url=f"{api}/file/bot", request=request or HTTPXRequest(connection_pool_size=16),
                         get_updates_request=get_updates_request or HTTPXRequest())
        self.app = (ApplicationBuilder().bot(bot).context_types(CONTEXT_TYPES)
                    .concurrent_updates(ChatOrdered(self.update_inbox.handle)).build())
        self.pacer = Pacer(ctx.now)
        self.tg = Telegram(ctx, lambda: self.app.bot, self.pacer)
        # One board per kecamatan: its cards, in its chats (outbox rows name their kecamatan).
        boards = {tenant.kecamatan: Board(tenant, self.tg, settings.media_dir, settings.console_url)
                  for tenant in ctx.tenants()}
        self.board = boards[ctx.kecamatan]
        self.channel = TelegramChannel(boards)
        self.deps = Deps(ctx, settings, self.tg, self.board, settings.media_dir, self.update_inbox, boards=boards)
        self.app.bot_data.deps = self.deps
        self._register()
        self._dispatcher = DispatcherTask(ctx, "telegram", self.channel.send)

    async def _keep(self, updates: Sequence[Update]) -> None:
        """Store fetched updates, then start their taps' answer windows (officer_bot/tap_window.py)."""
        await self.update_inbox.keep(updates)
        self.deps.taps.fetched(updates)

    async def _route(self, update: Update, context: OfficerContext) -> None:
        """Before any handler: an update from a kecamatan's desk or field group is handled in that kecamatan
        (its context, profile and cards); one in a chat that serves them all (an agency's group, the
        kabupaten's chat) in the kecamatan of the case it is about; one in a private chat in the kecamatan
        it names or the sender works in (officer_bot/private_route.py). Anything else stays with the first
        kecamatan."""
        chat, kabupaten = update.effective_chat, self.ctx.kabupaten
        if chat is None:
            return
        if chat.type == "private":
            code = await private_kecamatan(self.ctx, update)
            if code is not None and code in kabupaten.profiles:
                context.tenant = self.deps.at(code)
            return
        configured = await configured_chat(self.ctx, chat.id)
        profile = kabupaten.by_chat(configured)
        if profile is None and kabupaten.shared_chat(configured):
            code = await case_kecamatan(self.ctx, update, chat.id)
            profile = kabupaten.profiles.get(code) if code else None
        if profile is not None:
            context.tenant = self.deps.at(profile.code)

    def _register(self) -> None:
        app = self.app
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
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chats.on_migrate))
        app.add_handler(MessageHandler(
            (filters.TEXT | filters.PHOTO | filters.Document.IMAGE | filters.LOCATION) & ~filters.COMMAND,
            replies.on_message))
        app.add_error_handler(self._on_error)

    async def _on_error(self, update: object, context: OfficerContext) -> None:
        """Log the failure and keep it on the update's inbox row (instead of marking it handled)."""
        log.error("officer bot handler failed", exc_info=context.error)
        self.update_inbox.failed(update, context.error)

    async def start(self) -> None:
        """Initialise the Application, handle what was stored but not handled (a crash), then start
        receiving updates and the outbox dispatcher."""
        await self.app.initialize()
        self.deps.bot_username = self.app.bot.username
        await self.app.start()
        for update in await self.update_inbox.stored(self.app.bot):  # ahead of anything fetched now
            await self.app.update_queue.put(update)
        if self.webhook_url:
            secret = self.settings.telegram_webhook_secret
            await self.app.bot.set_webhook(self.webhook_url, allowed_updates=ALLOWED_UPDATES,
                                           secret_token=secret.get_secret_value() if secret else None)
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(poll_interval=0, timeout=int(self.poll_timeout),
                                                 allowed_updates=ALLOWED_UPDATES)
        self._dispatcher.start()
        log.info("officer bot started", extra={"mode": "webhook" if self.webhook_url else "polling"})

    async def stop(self) -> None:
        """Stop the dispatcher, then updates, then the Application."""
        await self.deps.albums.close()  # an album being handled finishes; one still arriving waits for the next start
        await self._dispatcher.stop()
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.deps.taps.close()
        await self.app.shutdown()

    @property
    def routes(self) -> list[Route]:
        """POST /webhook/telegram for webhook mode; the secret token header must match."""
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"])]

    async def _webhook(self, request: Request) -> Response:
        secret = self.settings.telegram_webhook_secret
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if secret is None or not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
            return Response(status_code=403)
        try:
            update = Update.de_json(json.loads(await request.body()), self.app.bot)
        except (ValueError, TypeError, KeyError):
            log.warning("unreadable telegram webhook body")
            return Response(status_code=400)
        try:
            await self._keep([update])  # before the 200: Telegram forgets an update once answered
        except SQLAlchemyError:
            log.exception("telegram webhook not stored; Telegram sends it again")
            return Response(status_code=503)
        await self.app.update_queue.put(update)
        return Response()
