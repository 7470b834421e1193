"""Simulator changes fanned out to the page's event streams (Server-Sent Events), coalesced per stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from simulator.sandbox import Sandbox
from simulator.whatsapp import Citizen

from .telegram_view import chat_signatures

KEEPALIVE_SECONDS = 15.0


def sse(event: str, data: Any) -> str:
    """One Server-Sent Event."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class Stream:
    """One open page: what changed since its last event."""

    def __init__(self, telegram_state: dict[int, int]) -> None:
        self.citizens: set[tuple[str, str]] = set()  # the chats that changed: (business number, wa_id)
        self.telegram = False
        self.notices: list[tuple[str, Any]] = []
        self.telegram_state = telegram_state
        self.wake = asyncio.Event()
        self.closed = False


class ChangeFeed:
    """Watches both simulators and wakes every open stream on a change."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.streams: set[Stream] = set()
        self._opened = asyncio.Event()
        sandbox.whatsapp.observers.append(self._citizen_changed)
        self._stop_telegram: Callable[[], None] = sandbox.telegram.changes.subscribe(self._telegram_changed)

    def _citizen_changed(self, citizen: Citizen) -> None:
        for stream in self.streams:
            stream.citizens.add((citizen.business, citizen.wa_id))
            stream.wake.set()

    def _telegram_changed(self) -> None:
        for stream in self.streams:
            stream.telegram = True
            stream.wake.set()

    def publish(self, event: str, data: Any) -> None:
        """Send a notice (e.g. a control's new state) to every open stream."""
        for stream in self.streams:
            stream.notices.append((event, data))
            stream.wake.set()

    async def until_open(self, count: int = 1) -> None:
        """Wait until at least ``count`` streams are open (for tests)."""
        while len(self.streams) < count:
            self._opened.clear()
            await self._opened.wait()

    def close(self) -> None:
        """End every open stream, so that a server can shut down."""
        for stream in self.streams:
            stream.closed = True
            stream.wake.set()
        if self._citizen_changed in self.sandbox.whatsapp.observers:
            self.sandbox.whatsapp.observers.remove(self._citizen_changed)
        self._stop_telegram()

    def _take(self, stream: Stream) -> list[str]:
        events = [sse(event, data) for event, data in stream.notices]
        stream.notices.clear()
        for number, wa_id in sorted(stream.citizens):
            events.append(sse("whatsapp", {"wa_id": wa_id, "number": number}))
        stream.citizens.clear()
        if stream.telegram:
            stream.telegram = False
            now = chat_signatures(self.sandbox.telegram)
            changed = sorted(chat for chat, sig in now.items() if stream.telegram_state.get(chat) != sig)
            if changed:
                events.append(sse("telegram", {"chats": changed}))
            stream.telegram_state = now
        return events

    async def events(self, limit: int | None = None) -> AsyncIterator[str]:
        """The event stream of one page: ``ready``, then changes; ends after ``limit`` events if given."""
        stream = Stream(chat_signatures(self.sandbox.telegram))
        self.streams.add(stream)
        self._opened.set()
        sent = 0
        try:
            yield sse("ready", {})
            sent += 1
            while not stream.closed and (limit is None or sent < limit):
                try:
                    async with asyncio.timeout(KEEPALIVE_SECONDS):
                        await stream.wake.wait()
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                stream.wake.clear()
                for event in self._take(stream)[: None if limit is None else limit - sent]:
                    yield event
                    sent += 1
        finally:
            self.streams.discard(stream)
