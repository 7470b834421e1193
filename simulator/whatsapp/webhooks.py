"""Webhook payloads exactly as Meta sends them, their signature, and their delivery to the bot."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

SIGNATURE_HEADER = "X-Hub-Signature-256"


def sign(body: bytes, app_secret: str) -> str:
    """``sha256=`` + hex HMAC-SHA256 of the raw body keyed with the app secret."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def timestamp(at: dt.datetime) -> str:
    return str(int(at.timestamp()))


@dataclass(frozen=True)
class Account:
    waba_id: str
    phone_id: str
    display_phone_number: str


def envelope(account: Account, value: dict[str, Any]) -> dict[str, Any]:
    """The ``whatsapp_business_account`` envelope around one ``messages`` change value."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": account.waba_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": account.display_phone_number,
                                "phone_number_id": account.phone_id,
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def contact(wa_id: str, user_id: str, name: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"profile": {"name": name or ""}, "wa_id": wa_id, "user_id": user_id}
    if name is None:
        entry.pop("profile")
    return entry


def message_payload(account: Account, sender: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """An incoming-message webhook: ``sender`` from :func:`contact`, ``message`` the messages[] item."""
    return envelope(account, {"contacts": [sender], "messages": [message]})


def status_payload(
    account: Account,
    recipient: dict[str, Any],
    wamid: str,
    status: str,
    at: dt.datetime,
    *,
    category: str = "service",
    conversation_id: str,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A status webhook (sent, delivered, read, failed) for an outgoing message."""
    item: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": timestamp(at),
        "recipient_id": recipient["wa_id"],
        "recipient_user_id": recipient["user_id"],
    }
    if errors:
        item["errors"] = errors
    else:
        conversation: dict[str, Any] = {"id": conversation_id, "origin": {"type": category}}
        if status == "sent":
            conversation["expiration_timestamp"] = timestamp(at + dt.timedelta(hours=24))
        item["conversation"] = conversation
        item["pricing"] = {
            "billable": category != "service",
            "pricing_model": "PMP",
            "category": category,
            "type": "free_customer_service" if category == "service" else "regular",
        }
    return envelope(account, {"contacts": [recipient], "statuses": [item]})


@dataclass
class Delivery:
    """One webhook the simulator sent (or tried to send) to the bot."""

    payload: dict[str, Any]
    body: bytes
    attempts: list[int | str] = field(default_factory=list)  # HTTP status per attempt, or error text
    delivered: bool = False

    @property
    def kind(self) -> str:
        value = self.payload["entry"][0]["changes"][0]["value"]
        if "statuses" in value:
            return f"status:{value['statuses'][0]['status']}"
        return f"message:{value['messages'][0]['type']}"

    @property
    def item_id(self) -> str:
        value = self.payload["entry"][0]["changes"][0]["value"]
        return str((value.get("messages") or value.get("statuses"))[0]["id"])


# Webhook POSTs in flight at once; the rest wait their turn. httpx's pool checks every waiting request against
# every connection each time one finishes: with hundreds waiting (a flood's statuses) the simulator spent its
# CPU there instead of sending (bench/replicas.py; py-spy: 90 % of its samples).
IN_FLIGHT = 64


class WebhookSender:
    """POSTs signed webhooks to the bot (at most IN_FLIGHT at once); retries with exponential backoff while
    it answers non-200."""

    def __init__(
        self,
        url: str,
        app_secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None,
        max_attempts: int,
        retry_base_delay: float,
        timeout: float,
        on_result: Callable[[Delivery], None],
    ) -> None:
        self.url = url
        self._secret = app_secret
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self.max_attempts = max_attempts
        self.retry_base_delay = retry_base_delay
        self.timeout = timeout
        self._on_result = on_result
        self._slots: asyncio.Semaphore | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self._transport, timeout=self.timeout)
        return self._client

    def encode(self, payload: dict[str, Any]) -> Delivery:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return Delivery(payload=payload, body=body)

    async def post_once(self, delivery: Delivery) -> int | str:
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(delivery.body, self._secret)}
        if self._slots is None:
            self._slots = asyncio.Semaphore(IN_FLIGHT)
        try:
            async with self._slots:
                response = await self.client.post(self.url, content=delivery.body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        return response.status_code

    async def deliver(self, delivery: Delivery) -> Delivery:
        for attempt in range(self.max_attempts):
            if attempt:
                await asyncio.sleep(self.retry_base_delay * 2 ** (attempt - 1))
            result = await self.post_once(delivery)
            delivery.attempts.append(result)
            if result == 200:
                delivery.delivered = True
                break
        self._on_result(delivery)
        return delivery

    async def verify(self, verify_token: str, challenge: str) -> tuple[int, str]:
        params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
        response = await self.client.get(self.url, params=params)
        return response.status_code, response.text

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
