"""The WhatsApp Cloud API simulator: state, citizens, templates, faults and webhook dispatch."""

from __future__ import annotations

import base64
import collections
import datetime as dt
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx
from starlette.types import ASGIApp

from ..faults import ApiFaults, FaultPlan
from . import rules, webhooks
from .citizen import Citizen, normalise_phone
from .dispatch import Dispatcher, TranscriptEntry, WebhookFaults
from .media import MediaStore
from .received import Received
from .webhooks import Account, Delivery, WebhookSender

__all__ = ["TranscriptEntry", "WebhookFaults", "WhatsAppSimulator"]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WhatsAppSimulator(ApiFaults):
    """A strict local WhatsApp Cloud API for one WABA: a default business number, and more with add_number().

    ``sim.app`` is the Graph API (ASGI); ``sim.citizen(...)`` creates simulated users whose
    messages are POSTed, signed, to ``webhook_url``. A user has a separate chat (and 24-hour
    customer service window) with each business number: ``sim.citizen(phone, business=phone_id)``.
    """

    def __init__(
        self,
        phone_id: str = "1234567890",
        waba_id: str = "9876543210",
        token: str = "sim-access-token",
        app_secret: str = "sim-app-secret",
        webhook_url: str = "http://bot/webhook/whatsapp",
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        messages_per_second: int = 80,
        clock: Callable[[], dt.datetime] | None = None,
        *,
        display_phone_number: str = "6241100000001",
        base_url: str = "http://whatsapp-sim.local",
        status_webhooks: bool = True,
        auto_read: bool = True,
        webhook_max_attempts: int = 6,
        webhook_retry_base_delay: float = 0.5,
        webhook_timeout: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        history: int = 10_000,
    ) -> None:
        self.phone_id = str(phone_id)
        self.waba_id = str(waba_id)
        self.token = token
        self.account = Account(self.waba_id, self.phone_id, display_phone_number)  # the default number
        # every business number of the WABA by phone_number_id, the default first
        self.accounts: dict[str, Account] = {self.phone_id: self.account}
        self.messages_per_second = messages_per_second
        self.clock = clock or _utcnow
        self.monotonic = monotonic
        self.base_url = base_url
        self.status_webhooks = status_webhooks
        self.auto_read = auto_read
        self.faults = WebhookFaults()
        self.media = MediaStore()
        self.citizens: dict[str, Citizen] = {}  # the chats with the default number, by wa_id
        self.chats: dict[tuple[str, str], Citizen] = {}  # every chat by (business phone_id, wa_id)
        self.templates: dict[tuple[str, str], int] = {}
        # the latest `history` requests/answers and webhook deliveries, oldest first
        self.transcript: collections.deque[TranscriptEntry] = collections.deque(maxlen=history)
        self.deliveries: collections.deque[Delivery] = collections.deque(maxlen=history)
        self.outgoing: dict[str, tuple[Citizen, Received]] = {}
        self.incoming: dict[str, Citizen] = {}
        # called with the citizen whenever their chat changes (a message either way, a delivery, a read)
        self.observers: list[Callable[[Citizen], None]] = []
        self._sent_times: dict[str, collections.deque[float]] = {}  # per business number
        self._fail_next: collections.deque[rules.GraphError] = collections.deque()
        self._sender = WebhookSender(
            webhook_url,
            app_secret,
            transport=webhook_transport,
            max_attempts=webhook_max_attempts,
            retry_base_delay=webhook_retry_base_delay,
            timeout=webhook_timeout,
            on_result=self._record_delivery,
        )
        self._dispatcher = Dispatcher(self._sender)
        self._app: ASGIApp | None = None
        self.fault_plan: FaultPlan | None = None  # set by api_faults(): API calls that fail

    # ---- configuration ----------------------------------------------------------------------------

    @property
    def app(self) -> ASGIApp:
        if self._app is None:
            from .app import build_app

            self._app = build_app(self)
        return self._app

    @property
    def webhook_url(self) -> str:
        return self._sender.url

    @property
    def webhook_retry_base_delay(self) -> float:
        return self._sender.retry_base_delay

    @webhook_retry_base_delay.setter
    def webhook_retry_base_delay(self, value: float) -> None:
        self._sender.retry_base_delay = value

    def add_number(self, phone_id: str, display_phone_number: str) -> None:
        """Register another business phone number of the same WABA (same webhook URL, same token)."""
        phone_id, display = str(phone_id), str(display_phone_number)
        if not phone_id.isdigit():
            raise ValueError(f"a phone_number_id is digits only: {phone_id!r}")
        if not display.isdigit():
            raise ValueError(f"a display_phone_number is digits only (country code first): {display!r}")
        if phone_id in self.accounts or phone_id == self.waba_id:
            raise ValueError(f"phone number id {phone_id!r} is already registered")
        if any(a.display_phone_number == display for a in self.accounts.values()):
            raise ValueError(f"display phone number {display!r} is already registered")
        self.accounts[phone_id] = Account(self.waba_id, phone_id, display)

    def account_for(self, phone_id: str) -> Account:
        """The registered business number with this phone_number_id (KeyError if none)."""
        return self.accounts[phone_id]

    def citizen(self, phone: str, name: str | None = None, business: str | None = None) -> Citizen:
        """The citizen's chat with a business number (created on first use; 0812… becomes 62812…).

        ``business`` is a registered phone_number_id; None (or ``sim.phone_id``) is the default number,
        whose chats are ``sim.citizens``.
        """
        business = self.phone_id if business is None else str(business)
        if business not in self.accounts:
            raise ValueError(f"business phone number {business!r} is not registered (see add_number)")
        wa_id = normalise_phone(phone)
        found = self.citizens.get(wa_id) if business == self.phone_id else self.chats.get((business, wa_id))
        if found is None:
            found = Citizen(self, wa_id, name, business=business)
            if business == self.phone_id:
                self.citizens[wa_id] = found
            self.chats[(business, wa_id)] = found
            self.changed(found)
        elif name is not None:
            found.name = name
        return found

    def all_chats(self) -> list[Citizen]:
        """Every chat: the default number's, then the other numbers'."""
        default = list(self.citizens.values())
        return default + [c for (business, _), c in self.chats.items() if business != self.phone_id]

    def changed(self, citizen: Citizen) -> None:
        """Tell the observers that this citizen's chat changed."""
        for observer in list(self.observers):
            observer(citizen)

    def citizen_by_user_id(self, user_id: str, business: str | None = None) -> Citizen | None:
        """The chat of the user with this business-scoped user id with ``business`` (default number if None).

        A BSUID is scoped to the WABA, so a user known to one number of it can be reached from another:
        their chat with ``business`` is created then.
        """
        business = self.phone_id if business is None else business
        chats = self.all_chats()
        found = next((c for c in chats if c.user_id == user_id and c.business == business), None)
        if found is None:
            known = next((c for c in chats if c.user_id == user_id), None)
            if known is not None:
                found = self.citizen(known.wa_id, known.name, business=business)
        return found

    def approve_template(self, name: str, language: str = "id", params: int = 0) -> None:
        """Register an approved template with ``params`` body parameters."""
        self.templates[(name, language)] = params

    def fail_next(
        self,
        code: int = 131000,
        *,
        times: int = 1,
        status: int | None = None,
        message: str | None = None,
        details: str | None = None,
    ) -> None:
        """Answer the next ``times`` send-message requests with this Meta error instead."""
        http_status = status or (500 if code in (131000, 131016, 2) else 400)
        for _ in range(times):
            self._fail_next.append(
                rules.GraphError(code, message or f"(#{code}) Simulated failure", http_status, details)
            )

    def take_injected_failure(self) -> rules.GraphError | None:
        return self._fail_next.popleft() if self._fail_next else None

    # ---- ids, clock, throughput ---------------------------------------------------------------------

    def new_wamid(self, wa_id: str) -> str:
        raw = b"\x1c\x18\x0d" + wa_id.encode() + b"\x15\x02\x00\x11\x18\x12" + secrets.token_hex(9).upper().encode()
        return "wamid." + base64.b64encode(raw).decode()

    def check_throughput(self, phone_id: str | None = None) -> None:
        """Meta's throughput limit, counted per business phone number."""
        sent = self._sent_times.setdefault(self.phone_id if phone_id is None else phone_id, collections.deque())
        now = self.monotonic()
        while sent and now - sent[0] >= 1.0:
            sent.popleft()
        if len(sent) >= self.messages_per_second:
            raise rules.rate_limited(self.messages_per_second)
        sent.append(now)

    def context_for(self, citizen: Citizen, message_id: str) -> dict[str, str]:
        """The ``context`` a citizen's reply to ``message_id`` carries."""
        if message_id in self.outgoing:
            sender = self.accounts[self.outgoing[message_id][0].business].display_phone_number
        else:
            sender = citizen.wa_id
        return {"from": sender, "id": message_id}

    def contact_of(self, citizen: Citizen) -> dict[str, Any]:
        return webhooks.contact(citizen.wa_id, citizen.user_id, citizen.name)

    # ---- incoming messages (citizen -> bot) ---------------------------------------------------------

    async def receive_from(self, citizen: Citizen, message: dict[str, Any], faults: WebhookFaults) -> str:
        now = self.clock()
        wamid = self.new_wamid(citizen.wa_id)
        item = {"from": citizen.wa_id, "id": wamid, "timestamp": webhooks.timestamp(now), **message}
        if "context" in item:  # Meta puts context first
            item = {"context": item.pop("context"), **item}
        citizen.last_inbound_at = now
        citizen.sent.append(wamid)
        citizen.sent_items[wamid] = item
        citizen.order.append(wamid)
        self.incoming[wamid] = citizen
        self.changed(citizen)
        payload = webhooks.message_payload(self.accounts[citizen.business], self.contact_of(citizen), item)
        await self._dispatcher.dispatch(payload, faults)
        return wamid

    async def release_held(self) -> None:
        """Deliver webhooks kept back with ``hold=True`` now."""
        await self._dispatcher.release_held()

    async def redeliver(self, wamid: str) -> Delivery:
        """POST the webhook of a citizen's earlier message again, byte for byte (Meta duplicates deliveries)."""
        citizen = self.incoming[wamid]
        account = self.accounts[citizen.business]
        payload = webhooks.message_payload(account, self.contact_of(citizen), citizen.sent_items[wamid])
        return await self._sender.deliver(self._sender.encode(payload))

    def _record_delivery(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if (citizen := self.incoming.get(delivery.item_id)) is not None:
            self.changed(citizen)
        for status in delivery.attempts:
            self.transcript.append(
                TranscriptEntry("webhook", "POST", self.webhook_url, status, delivery.kind, delivery.item_id)
            )

    # ---- outgoing-message statuses (simulator -> bot) -----------------------------------------------

    def spawn(self, coro: Any) -> None:
        self._dispatcher.spawn(coro)

    async def send_statuses(self, citizen: Citizen, wamid: str, category: str) -> None:
        conversation_id = secrets.token_hex(16)
        statuses = ("sent", "delivered", "read") if self.auto_read else ("sent", "delivered")
        await self._dispatcher.send_in_order(
            [
                webhooks.status_payload(
                    self.accounts[citizen.business],
                    self.contact_of(citizen),
                    wamid,
                    status,
                    self.clock(),
                    category=category,
                    conversation_id=conversation_id,
                )
                for status in statuses
            ]
        )

    # ---- webhook verification, lifecycle ----------------------------------------------------------

    async def verify_webhook(self, verify_token: str) -> bool:
        """Run Meta's GET ``hub.mode=subscribe`` handshake; True if the bot echoed the challenge."""
        challenge = str(secrets.randbelow(10**9))
        status, text = await self._sender.verify(verify_token, challenge)
        self.transcript.append(TranscriptEntry("webhook", "GET", self.webhook_url, status, "verify", text[:80]))
        return status == 200 and text == challenge

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until every background webhook (statuses, delayed messages) has been delivered."""
        await self._dispatcher.idle(timeout)

    async def aclose(self) -> None:
        await self._dispatcher.aclose()

    async def __aenter__(self) -> WhatsAppSimulator:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def dump_transcript(self) -> str:
        return "\n".join(str(e) for e in self.transcript)
