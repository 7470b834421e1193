"""Fixtures for the WhatsApp simulator tests: a fake clock, the simulator, and a small real pywa bot.

Import them explicitly in a test module:
    from tests.simulator.whatsapp_fixtures import bot, clock, sim, wa  # noqa: F401
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pywa_async import WhatsApp
from pywa_async.handlers import (
    CallbackButtonHandler,
    CallbackSelectionHandler,
    MessageHandler,
    MessageStatusHandler,
)
from pywa_async.utils import UserIdentifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from reporter_bot.graph_transport import GraphAPITransport
from simulator.whatsapp import WhatsAppSimulator

PHONE_ID = "1234567890"
WABA_ID = "9876543210"
TOKEN = "test-access-token"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
WEBHOOK_URL = "http://bot.test/webhook/whatsapp"
API_URL = "http://whatsapp-sim.test"


class FakeClock:
    """An aware UTC clock that only moves when told."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def graph_session(sim: WhatsAppSimulator) -> httpx.AsyncClient:
    """An httpx client for pywa that reaches the simulator in-process through the rewriting transport."""
    inner = httpx.ASGITransport(app=sim.app)
    return httpx.AsyncClient(transport=GraphAPITransport(API_URL, inner=inner))


class TestBot:
    """A minimal bot: a Starlette webhook route that validates with pywa and dispatches to handlers."""

    __test__ = False  # not a test class

    def __init__(self) -> None:
        self.updates: list[Any] = []
        self.bodies: list[bytes] = []  # raw webhook bodies accepted (200), in arrival order
        self.answer_statuses: list[int] = []  # answers to give to the next POSTs (then 200)
        self.wa: WhatsApp | None = None
        self._event = asyncio.Event()
        self._taken: set[int] = set()
        self.app = Starlette(
            routes=[
                Route("/webhook/whatsapp", self.verify, methods=["GET"]),
                Route("/webhook/whatsapp", self.receive, methods=["POST"]),
            ]
        )

    def attach(self, sim: WhatsAppSimulator) -> WhatsApp:
        self.wa = WhatsApp(
            phone_id=sim.phone_id,
            token=TOKEN,
            session=graph_session(sim),
            server=None,
            verify_token=VERIFY_TOKEN,
            app_secret=APP_SECRET,
            waba_id=sim.waba_id,
            user_identifier_priority=(
                UserIdentifier.WA_ID,
                UserIdentifier.BSUID,
                UserIdentifier.PARENT_BSUID,
            ),
        )
        self.wa.add_handlers(
            MessageHandler(self._record),
            CallbackButtonHandler(self._record),
            CallbackSelectionHandler(self._record),
            MessageStatusHandler(self._record),
        )
        return self.wa

    async def _record(self, _: WhatsApp, update: Any) -> None:
        self.updates.append(update)
        self._event.set()
        self._event = asyncio.Event()

    async def verify(self, request: Request) -> Response:
        assert self.wa is not None
        params = request.query_params
        challenge, status = await self.wa.webhook_challenge_handler(
            vt=params.get("hub.verify_token"), ch=params.get("hub.challenge")
        )
        return PlainTextResponse(challenge or "", status_code=status)

    async def receive(self, request: Request) -> Response:
        assert self.wa is not None
        body = await request.body()
        error = await self.wa.webhook_update_validator(body, request.headers.get("X-Hub-Signature-256"))
        if error is not None:
            return PlainTextResponse(error[0], status_code=error[1])
        if self.answer_statuses:
            return PlainTextResponse("busy", status_code=self.answer_statuses.pop(0))
        self.bodies.append(body)
        await self.wa.webhook_update_handler(body)
        return PlainTextResponse("ok")

    async def wait_for(self, predicate: Callable[[Any], bool], timeout: float = 5.0) -> Any:
        async with asyncio.timeout(timeout):
            while True:
                for index, update in enumerate(self.updates):
                    if index not in self._taken and predicate(update):
                        self._taken.add(index)
                        return update
                await self._event.wait()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bot() -> TestBot:
    return TestBot()


@pytest.fixture
async def sim(bot: TestBot, clock: FakeClock) -> AsyncIterator[WhatsAppSimulator]:
    async with WhatsAppSimulator(
        phone_id=PHONE_ID,
        waba_id=WABA_ID,
        token=TOKEN,
        app_secret=APP_SECRET,
        webhook_url=WEBHOOK_URL,
        webhook_transport=httpx.ASGITransport(app=bot.app),
        clock=clock,
        base_url=API_URL,
        webhook_retry_base_delay=0.0,
    ) as simulator:
        client = bot.attach(simulator)
        try:
            yield simulator
            await simulator.idle()
        finally:
            await client.api._session.aclose()


@pytest.fixture
def wa(sim: WhatsAppSimulator, bot: TestBot) -> WhatsApp:
    """The bot's real pywa client, reaching the simulator through GraphAPITransport + ASGITransport."""
    assert bot.wa is not None
    return bot.wa
