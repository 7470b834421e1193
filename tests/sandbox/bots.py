"""Tiny bots for the sandbox tests: a WhatsApp echo bot (webhook + Graph API) and a Telegram card bot."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.kabupaten import Kabupaten
from core.profile import Profile
from simulator.sandbox import SANDBOX_SETTINGS, Sandbox, build_sandbox
from simulator.telegram import TelegramSimulator

PHONE_ID = SANDBOX_SETTINGS["WHATSAPP_PHONE_ID"]
TOKEN = SANDBOX_SETTINGS["WHATSAPP_TOKEN"]
BOT_TOKEN = SANDBOX_SETTINGS["TELEGRAM_BOT_TOKEN"]
STAFF = [(2001, "Andi", "verifikator"), (3001, "Budi", "petugas lapangan")]


class EchoBot:
    """Answers every text with "Echo: …" and two reply buttons; a tap with "Anda memilih: …"; "daftar" with a list."""

    def __init__(self) -> None:
        self.graph: httpx.AsyncClient | None = None
        self.app = Starlette(routes=[Route("/webhook", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        payload = json.loads(await request.body())
        value = payload["entry"][0]["changes"][0]["value"]
        for message in value.get("messages", ()):
            await self.answer(message, value["metadata"]["phone_number_id"])
        return PlainTextResponse("ok")

    async def answer(self, message: dict[str, Any], number: str) -> None:
        """Answer from the business number the message came to."""
        to, kind = message["from"], message["type"]
        send = functools.partial(self.send, number=number)
        await send({"status": "read", "message_id": message["id"]})
        if kind == "text" and message["text"]["body"].strip().lower() == "daftar":
            rows = [{"id": f"r{i}", "title": title} for i, title in enumerate(("Sampah", "Lampu jalan"))]
            await send(_interactive(to, {"type": "list", "body": {"text": "Pilih kategori"},
                                              "action": {"button": "Kategori", "sections": [
                                                  {"title": "Lingkungan", "rows": rows}]}}))
        elif kind == "text":
            titles = ("Benar", "Ulangi")
            buttons = [{"type": "reply", "reply": {"id": f"b{i}", "title": t}} for i, t in enumerate(titles)]
            await send(_interactive(to, {"type": "button", "body": {"text": f"Echo: {message['text']['body']}"},
                                              "action": {"buttons": buttons}}))
        elif kind == "interactive":
            reply = message["interactive"].get("button_reply") or message["interactive"]["list_reply"]
            await send({"to": to, "type": "text", "text": {"body": f"Anda memilih: {reply['title']}"}})
        else:
            await send({"to": to, "type": "text", "text": {"body": f"Diterima: {kind}"}})

    async def send(self, body: dict[str, Any], number: str = PHONE_ID) -> None:
        assert self.graph is not None
        response = await self.graph.post(f"/v21.0/{number}/messages", json={"messaging_product": "whatsapp", **body})
        response.raise_for_status()


def _interactive(to: str, interactive: dict[str, Any]) -> dict[str, Any]:
    return {"to": to, "recipient_type": "individual", "type": "interactive", "interactive": interactive}


class CardBot:
    """Posts a card with inline buttons through the Bot API; answers taps and edits the card."""

    def __init__(self, sim: TelegramSimulator) -> None:
        self.client = httpx.AsyncClient(transport=sim.transport(), base_url=f"http://telegram.test/bot{BOT_TOKEN}")

    async def call(self, method: str, **params: Any) -> Any:
        answer = (await self.client.post(f"/{method}", json=params)).json()
        assert answer["ok"], answer
        return answer["result"]

    async def post_card(self, chat_id: int, text: str) -> int:
        keyboard = {"inline_keyboard": [[{"text": "Verifikasi", "callback_data": "verify:1"},
                                         {"text": "Tolak", "callback_data": "reject:1"}]]}
        message = await self.call("sendMessage", chat_id=chat_id, text=text, reply_markup=keyboard)
        return int(message["message_id"])

    async def serve(self) -> None:
        """Long-poll getUpdates; answer each tap and edit its card."""
        offset = 0
        while True:
            for update in await self.call("getUpdates", offset=offset, timeout=10):
                offset = update["update_id"] + 1
                if (query := update.get("callback_query")) is not None:
                    who = query["from"]["first_name"]
                    await self.call("answerCallbackQuery", callback_query_id=query["id"], text=f"Tercatat, {who}")
                    card = query["message"]
                    await self.call("editMessageText", chat_id=card["chat"]["id"], message_id=card["message_id"],
                                    text=f"{card['text']}\n✅ diverifikasi oleh {who}")

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[CardBot]:
        task = asyncio.create_task(self.serve())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.client.aclose()


@contextlib.asynccontextmanager
async def sandbox_with_echo(install: Profile | Kabupaten) -> AsyncIterator[Sandbox]:
    """The install's sandbox (every number, every group) whose WhatsApp webhooks go, in-process, to an EchoBot."""
    echo = EchoBot()
    sandbox = build_sandbox(install, "http://echo.test/webhook", "http://whatsapp.test", "http://telegram.test",
                            webhook_transport=httpx.ASGITransport(app=echo.app))
    graph_api = httpx.ASGITransport(app=sandbox.whatsapp.app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=graph_api, base_url="http://whatsapp.test", headers=headers) as graph:
        echo.graph = graph
        try:
            yield sandbox
        finally:
            await sandbox.whatsapp.aclose()
            await sandbox.telegram.aclose()
