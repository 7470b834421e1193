"""Every tap answered while Telegram still takes the answer (about 15 s after the tap).

A burst queues taps behind each other, so a tap can wait long before its handling even starts. A tap
not answered ANSWER_WITHIN after it was fetched is answered "being handled" by a timer started at the
fetch; what the handling does then shows on its card, and its own toast is logged, not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from core.texts import text

log = logging.getLogger(__name__)
ANSWER_WITHIN = 10.0  # seconds after the fetch; Telegram refuses an answer after about 15
KEEP_EARLY = 600.0  # seconds a timer's answer is remembered for a handling still to come


class TapWindow:
    """`fetched(updates)` starts each tap's timer; `answer(query, ...)` answers it unless the timer did."""

    def __init__(self) -> None:
        self._timers: dict[str, asyncio.Task[None]] = {}
        # taps the timer answered, by when (loop time): kept until their handling answers, or a while
        # (a tap that came by two roads is handled once and answered once)
        self._early: dict[str, float] = {}

    def fetched(self, updates: Sequence[Update]) -> None:
        now = asyncio.get_running_loop().time()
        for query_id in [q for q, at in self._early.items() if now - at > KEEP_EARLY]:
            del self._early[query_id]
        for update in updates:
            query = update.callback_query
            if query is not None and query.id not in self._timers:
                self._timers[query.id] = asyncio.get_running_loop().create_task(self._working(query))

    async def _working(self, query: CallbackQuery) -> None:
        await asyncio.sleep(ANSWER_WITHIN)
        self._timers.pop(query.id, None)
        self._early[query.id] = asyncio.get_running_loop().time()
        try:
            await answer_query(query, text("tg.answer.working"))
        except Exception:  # a toast lost is no reason to fail anything
            log.warning("could not answer a slow tap", exc_info=True)

    async def answer(self, query: CallbackQuery, body: str, url: str | None = None) -> None:
        """The handling's answer, or (the timer answered already) a log line: a tap is answered once."""
        timer = self._timers.pop(query.id, None)
        if timer is not None:
            timer.cancel()
        if self._early.pop(query.id, None) is not None:
            log.info("tap answered as being handled before its handling ended; the card shows the outcome",
                     extra={"op": (query.data or "")[:8], "answer": body[:80]})
            return
        await answer_query(query, body, url)

    async def close(self) -> None:
        timers = list(self._timers.values())
        self._timers.clear()
        self._early.clear()
        for timer in timers:
            timer.cancel()
        for timer in timers:
            with contextlib.suppress(asyncio.CancelledError):
                await timer

    def __len__(self) -> int:
        return len(self._timers) + len(self._early)


async def answer_query(query: CallbackQuery, body: str, url: str | None = None) -> None:
    try:
        await query.answer(body[:200], url=url)
    except BadRequest as exc:
        # A tap handled late (kept in the inbox across a restart): the work is done, only the toast
        # is gone, and Telegram takes an answer for a short while only.
        if "query is too old" not in str(exc).lower():
            raise
        log.info("tap handled after its answer window", extra={"op": (query.data or "")[:8]})
