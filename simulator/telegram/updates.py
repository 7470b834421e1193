"""Pending updates, getUpdates long polling and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from .rules import TERMINATED, conflict

if TYPE_CHECKING:
    from .simulator import TelegramSimulator

log = logging.getLogger(__name__)
DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
KEEP_SECONDS = 24 * 3600


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: int = 0


@dataclass
class UpdateQueue:
    sim: TelegramSimulator
    pending: list[dict[str, Any]] = field(default_factory=list)
    created: dict[int, float] = field(default_factory=dict)
    allowed: frozenset[str] = DEFAULT_ALLOWED
    webhook: Webhook | None = None
    emitted: list[dict[str, Any]] = field(default_factory=list)
    _next_id: int = 100_000
    _poll_generation: int = 0
    polls_waiting: int = 0
    _task: asyncio.Task[None] | None = None
    _client: httpx.AsyncClient | None = None

    def add(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update (a snapshot: later edits do not change it), unless not allowed."""
        if kind not in self.allowed:
            return None
        self._next_id += 1
        update = json.loads(json.dumps({"update_id": self._next_id, kind: payload}))
        self.pending.append(update)
        self.created[self._next_id] = self.sim.clock()
        self.emitted.append(update)
        self.sim.changes.notify()
        return update

    def _expire(self) -> None:
        now = self.sim.clock()
        self.pending = [u for u in self.pending if now - self.created[u["update_id"]] < KEEP_SECONDS]

    def confirm(self, offset: int) -> None:
        if offset < 0:
            self.pending = self.pending[offset:]
        elif offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def drop_pending(self) -> None:
        self.pending.clear()

    async def get_updates(
        self, offset: int, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
            )
        if allowed is not None:
            self.allowed = frozenset(allowed) if allowed else DEFAULT_ALLOWED
        self._poll_generation += 1
        generation = self._poll_generation
        self.sim.changes.notify()  # wakes (and so terminates) an older held request
        self.confirm(offset)
        self._expire()

        def ready() -> list[dict[str, Any]] | bool:
            if generation != self._poll_generation:
                return True
            return self.pending[:limit]

        if timeout > 0 and not ready():
            self.polls_waiting += 1
            self.sim.changes.notify()
            try:
                with contextlib.suppress(TimeoutError):
                    await self.sim.changes.wait_until(ready, timeout)
            finally:
                self.polls_waiting -= 1
        if generation != self._poll_generation:
            raise conflict(TERMINATED)
        if self.webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
            )
        return self.pending[:limit]

    # -- webhook ---------------------------------------------------------------------------

    def set_webhook(self, webhook: Webhook) -> None:
        self.webhook = webhook
        self.sim.changes.notify()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver(), name="telegram-sim-webhook")

    async def delete_webhook(self) -> None:
        self.webhook = None
        await self.stop()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _deliver(self) -> None:
        backoff = self.sim.webhook_retry_delay
        while self.webhook is not None:
            await self.sim.changes.wait_until(lambda: bool(self.pending) or self.webhook is None, 10**9)
            hook = self.webhook
            if hook is None:
                return
            update = self.pending[0]
            if self._client is None:
                self._client = httpx.AsyncClient(transport=self.sim.webhook_transport, timeout=60)
            headers = {"Content-Type": "application/json"}
            if hook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
            try:
                response = await self._client.post(hook.url, content=json.dumps(update), headers=headers)
                error = (
                    None
                    if 200 <= response.status_code < 300
                    else f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
                )
            except httpx.HTTPError as exc:
                error = f"Connection failed: {exc!r}"
            self.sim.record(
                "webhook", {"url": hook.url, "update": update}, 200 if error is None else 502, {"error": error}
            )
            if error is None:
                hook.deliveries += 1
                if self.pending and self.pending[0] is update:
                    self.pending.pop(0)
                backoff = self.sim.webhook_retry_delay
                self.sim.changes.notify()
            else:
                hook.last_error_date = int(self.sim.clock())
                hook.last_error_message = error
                log.info("webhook delivery failed, retrying in %.2fs: %s", backoff, error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)
