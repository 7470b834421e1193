"""The reporter bot: the WhatsApp webhook route, per-citizen processing and the outbox dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging

import httpx
from pywa_async.client import WhatsApp
from pywa_async.utils import UserIdentifier
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core import inbox, metrics
from core.context import Context
from core.inbox import InboxItem, RawUpdate, UnreadableUpdate
from core.locks import KeyedLocks
from core.outbox import DispatcherTask
from core.periodic import Periodic
from core.settings import Settings
from reporter_bot.acknowledge import Acknowledger, Delivery
from reporter_bot.channel import WhatsAppChannel
from reporter_bot.citizens import CitizenTurns
from reporter_bot.graph_transport import GraphAPITransport
from reporter_bot.intake import read_signed, split
from reporter_bot.media import MediaFetcher
from reporter_bot.processing import Processor
from reporter_bot.workers import KeyedWorkers

log = logging.getLogger(__name__)
PLATFORM = "whatsapp"
PATH = "/webhook/whatsapp"


class ReporterBot:
    """Citizens' WhatsApp side. `routes` go into the app `lapor-camat run` serves; start/stop around it."""

    def __init__(self, ctx: Context, settings: Settings, graph_transport: httpx.AsyncBaseTransport | None = None,
                 *, media_limits: dict[str, int] | None = None, media_retry_delay: float = 0.5,
                 flood_limit: int = 30, dispatcher_idle: float = 1.0, sweep_every: float = 2.0) -> None:
        secret, verify, token = settings.whatsapp_app_secret, settings.whatsapp_verify_token, settings.whatsapp_token
        if not (secret and secret.get_secret_value() and verify and token and settings.whatsapp_phone_id):
            raise ValueError("the reporter bot needs WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, WHATSAPP_TOKEN "
                             "and WHATSAPP_PHONE_ID")
        self.ctx, self.settings = ctx, settings
        self._secret = secret.get_secret_value().encode()
        transport = GraphAPITransport(settings.whatsapp_api_url, inner=graph_transport)
        self._session = httpx.AsyncClient(transport=transport, timeout=30)
        self.wa = WhatsApp(
            phone_id=settings.whatsapp_phone_id, token=token.get_secret_value(), session=self._session, server=None,
            verify_token=verify.get_secret_value(), app_secret=secret.get_secret_value(),
            waba_id=settings.whatsapp_waba_id, api_version=settings.whatsapp_api_version,
            user_identifier_priority=(UserIdentifier.WA_ID, UserIdentifier.BSUID, UserIdentifier.PARENT_BSUID),
        )
        self.media = MediaFetcher(self.wa, settings.media_dir, media_limits, retry_delay=media_retry_delay)
        self.processor = Processor(ctx, self.media.fetch, flood_limit=flood_limit, phone_id=settings.whatsapp_phone_id)
        self.channel = WhatsAppChannel(ctx, self.wa, settings.media_dir)
        self._acks = Acknowledger(ctx, PLATFORM, self.processor.lines)
        self._quiet = asyncio.Event()  # clear while a webhook is being acknowledged: processing yields
        self._quiet.set()
        self._acknowledging = 0
        self.turns = CitizenTurns(ctx, PLATFORM, self.processor)  # each citizen's order across replicas
        self.workers: KeyedWorkers[InboxItem] = KeyedWorkers(self.turns, quiet=self._quiet)
        self._sweeping = Periodic(self._sweep, sweep_every, "whatsapp-stranded")
        self._senders = KeyedLocks()
        self._dispatcher = DispatcherTask(ctx, PLATFORM, self.channel.send, idle=dispatcher_idle)
        self._accepting = False
        self.routes = [Route(PATH, self.verify, methods=["GET"]),
                       Route(PATH, metrics.acknowledged(PLATFORM, self.receive), methods=["POST"])]

    async def start(self) -> None:
        """Process what was stored but not handled (a crash), then take webhooks and deliver the outbox."""
        for item in await inbox.pending(self.ctx, PLATFORM, limit=100_000):
            self.workers.put(item.sender, item)
        self._accepting = True
        self._dispatcher.start()
        if self.turns.shared:
            self._sweeping.start()

    async def _sweep(self) -> None:
        """Hand stranded rows (a dead replica's citizens) to workers here (PostgreSQL, several replicas)."""
        try:
            for item in await self.turns.stranded():
                if item.sender not in self.workers:
                    self.workers.put(item.sender, item)
        except Exception:  # the database away for a moment: the next sweep tries again
            log.warning("could not look for stranded whatsapp messages", exc_info=True)

    async def stop(self) -> None:
        """Refuse new webhooks (WhatsApp retries them), finish the work in hand, close the client."""
        self._accepting = False
        await self._sweeping.stop()  # between two passes (a cancelled query strands its connection)
        await self._acks.settle()  # webhooks in hand are stored (and answered) before anything closes
        await self.workers.drain()
        await self._dispatcher.stop()
        await self.ctx.settle_groups()
        await self._session.aclose()

    async def verify(self, request: Request) -> Response:
        """Meta's subscription handshake: echo the challenge when the verify token matches."""
        params = request.query_params
        challenge, status = await self.wa.webhook_challenge_handler(
            vt=params.get("hub.verify_token"), ch=params.get("hub.challenge"))
        return PlainTextResponse(challenge or "", status_code=status)

    async def receive(self, request: Request) -> Response:
        """Check the signature; store each message and status of the body under its own id (and what of it
        cannot be read, with the reason); answer 200; hand the new ones to their senders' workers."""
        signature = request.headers.get("X-Hub-Signature-256")
        if not signature:
            log.warning("whatsapp webhook without signature refused")
            return PlainTextResponse("Unauthorized", status_code=401)
        body = await read_signed(request.stream(), self._secret)
        if not hmac.compare_digest(signature.encode(), body.signature.encode()):
            log.warning("whatsapp webhook with a wrong signature refused")
            return PlainTextResponse("Forbidden", status_code=403)
        if not self._accepting:
            return PlainTextResponse("Starting or stopping", status_code=503)
        found = split(body, self.processor.lines)
        unreadable = found.unreadable(body)
        if unreadable is not None:  # the reason only: a body may hold what citizens wrote
            log.warning("whatsapp webhook that cannot be read kept with its reason",
                        extra={"reason": unreadable.reason, "key": unreadable.external_id})
        if found.foreign:
            log.warning("whatsapp webhook for a phone number id no kecamatan answers on ignored",
                        extra={"updates": found.foreign})
        if found.updates or unreadable is not None:
            await self._store(found.updates, unreadable)
        return PlainTextResponse("ok")

    async def _store(self, updates: list[RawUpdate], unreadable: UnreadableUpdate | None) -> None:
        self._acknowledging += 1
        self._quiet.clear()
        try:
            async with contextlib.AsyncExitStack() as held:
                # Each sender's updates reach its worker in stored order; a body may hold several senders,
                # taken in sorted order so that two bodies never wait for each other.
                for sender in sorted({u.sender for u in updates}):
                    await held.enter_async_context(self._senders.hold(sender))
                fresh = await self._acks.store(Delivery(updates, unreadable))  # durable when it returns
                for update in updates:
                    if (item_id := fresh.pop(update.external_id, None)) is not None:
                        self.workers.put(update.sender, InboxItem(item_id, PLATFORM, update.external_id,
                                                                  update.sender, update.payload, 0))
        finally:
            self._acknowledging -= 1
            if not self._acknowledging:
                self._quiet.set()
