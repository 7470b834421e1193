"""Webhook dispatch to the bot: faults (duplicate, delay, out of order), background tasks, transcript."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from .webhooks import Delivery, WebhookSender


@dataclasses.dataclass(frozen=True)
class WebhookFaults:
    """How incoming-message webhooks misbehave (sim-wide in ``sim.faults``, or per citizen send).

    duplicate: deliver the same webhook (same wamid, same body) twice.
    delay: seconds to wait before delivering, in the background (the send returns at once).
    hold: keep this webhook back and deliver it after the next one (out of order).
    """

    duplicate: bool = False
    delay: float = 0.0
    hold: bool = False

    def merged(self, **overrides: Any) -> WebhookFaults:
        unknown = set(overrides) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown fault options: {sorted(unknown)}")
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})


@dataclasses.dataclass(frozen=True)
class TranscriptEntry:
    """One request and its answer: ``api`` (bot -> simulator) or ``webhook`` (simulator -> bot)."""

    direction: str
    method: str
    path: str
    status: int | str
    request: str
    response: str

    def __str__(self) -> str:
        return f"[{self.direction}] {self.method} {self.path} -> {self.status} {self.request} => {self.response}"


class Dispatcher:
    """Delivers webhooks through a :class:`WebhookSender`, applying faults; owns background tasks."""

    def __init__(self, sender: WebhookSender) -> None:
        self.sender = sender
        self._held: list[Delivery] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    async def dispatch(self, payload: dict[str, Any], faults: WebhookFaults) -> None:
        delivery = self.sender.encode(payload)
        if faults.hold:
            self._held.append(delivery)
            return
        if faults.delay > 0:
            self.spawn(self._later(payload, faults))
            return
        await self.sender.deliver(delivery)
        if faults.duplicate:
            await self.sender.deliver(Delivery(payload=payload, body=delivery.body))
        await self.release_held()

    async def _later(self, payload: dict[str, Any], faults: WebhookFaults) -> None:
        await asyncio.sleep(faults.delay)
        await self.dispatch(payload, dataclasses.replace(faults, delay=0.0))

    async def release_held(self) -> None:
        """Deliver the webhooks kept back with ``hold=True``, oldest first."""
        while self._held:
            await self.sender.deliver(self._held.pop(0))

    async def send_in_order(self, payloads: list[dict[str, Any]]) -> None:
        for payload in payloads:
            await self.sender.deliver(self.sender.encode(payload))

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def idle(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.sender.aclose()
