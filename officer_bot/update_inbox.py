"""Exactly once for Telegram updates (core.inbox): kept as fetched, claimed before handling, then
marked handled, or left with the handler's error.

The rule for a stored update: it is work to do until it is processed, whichever road brings it
(the replay on start, Telegram sending it again, the webhook's retry). Each handling is an attempt,
counted when it starts (so an update that takes the process down with it is not retried without
end); its mark rides on the handler's own write transaction (the use case's: the mark, the domain
change and its outbox rows commit together, `core.db.engine.riding`), or commits alone when the
handler wrote nothing. A failed attempt keeps its error on the row and the update is tried again on
the next start (or when Telegram sends it again); after MAX_ATTEMPTS it is set aside for good,
processed with its error, for someone to read.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Update

from core import inbox
from core.context import Context
from core.db.engine import Ride, riding
from core.inbox import RawUpdate

log = logging.getLogger(__name__)
PLATFORM = "telegram"
MAX_ATTEMPTS = 3
GAVE_UP = f"gave up: the process stopped while handling it, {MAX_ATTEMPTS} times"
Finish = Callable[..., Awaitable[None]]


def external_id(update: Update) -> str:
    """A key that stays unique even if Telegram restarts its update ids."""
    if update.callback_query is not None:
        return f"cb:{update.callback_query.id}"
    message = update.effective_message
    if message is not None:
        edited = "e" if update.edited_message is not None else ""
        return f"m{edited}:{message.chat.id}:{message.message_id}:{update.update_id}"
    return f"u:{update.update_id}"


def raw(update: Update, prefix: str = "") -> RawUpdate:
    user = update.effective_user
    return RawUpdate(prefix + external_id(update), str(user.id) if user else "",
                     json.dumps(update.to_dict(), default=str))


@dataclass
class _Attempt:
    """One handling of a stored update in this process."""

    claim: inbox.Claim | None = None
    ride: Ride | None = None  # the mark riding on the handler's first write
    error: str | None = None
    later: bool = False  # a handler took over finishing it (see UpdateInbox.later)
    finished: bool = False


class UpdateInbox:
    """The officer bot's side of the inbox: `keep` on arrival, `handle` around PTB's processing.

    A kecamatan's own bot keeps its updates under keys starting with `prefix` ("b<bot id>:"; its update and
    message ids are its own); the kabupaten's bot under plain keys."""

    def __init__(self, ctx: Context, prefix: str = "") -> None:
        self.ctx, self.prefix = ctx, prefix
        self._working: dict[str, _Attempt] = {}  # updates being handled now in this process

    def key(self, update: Update) -> str:
        return self.prefix + external_id(update)

    def chat_keys(self, chat_id: int) -> tuple[str, str]:
        """The beginnings of the stored keys of one chat's messages (`external_id`), edited ones too."""
        return f"{self.prefix}m:{chat_id}:", f"{self.prefix}me:{chat_id}:"

    def open(self, keys: Iterable[str]) -> bool:
        """Whether any of `keys` is being handled here still (an album's photo waits for the rest of it)."""
        return any(key in self._working for key in keys)

    def mine(self, key: str) -> bool:
        """A stored key this bot kept (the kabupaten's bot: every key without a bot's prefix)."""
        return key.startswith(self.prefix) if self.prefix else not key.startswith("b")

    async def keep(self, updates: Sequence[Update]) -> None:
        """Store a fetched batch (one transaction) before Telegram can be told it arrived."""
        await inbox.store_all(self.ctx, PLATFORM, [raw(u, self.prefix) for u in updates])

    async def handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run PTB's handling of `update` if its row is still to do and nobody here is on it already."""
        if not isinstance(update, Update):
            await coroutine
            return
        key = self.key(update)
        if key in self._working:  # the same update by two roads (the replay and a redelivery)
            drop(coroutine)
            return
        attempt = self._working[key] = _Attempt()
        try:
            attempt.claim = await inbox.claim(self.ctx, PLATFORM, key, MAX_ATTEMPTS)
            if attempt.claim is None:  # handled already, or set aside
                return
            with riding(self._mark(attempt.claim.id)) as attempt.ride:
                await coroutine
            attempt.ride.stop()
            if not attempt.later or attempt.error is not None:
                await self._finish(key, attempt)
        finally:
            drop(coroutine)  # not awaited when the claim failed: it stays stored for the next start
            if not attempt.later:
                self._working.pop(key, None)

    def later(self, update: Update) -> Finish:
        """Finish `update` when the returned `finish(error=None)` runs, not when its handler returns
        (an album's photo waits for the rest of the album); until then it counts as being handled."""
        key = self.key(update)
        attempt = self._working.get(key)
        if attempt is None:
            return _nothing
        attempt.later = True
        if attempt.ride is not None:
            attempt.ride.stop()  # the update is done when `finish` runs, not at the handler's next write

        async def finish(error: BaseException | None = None) -> None:
            if error is not None and attempt.error is None:
                attempt.error = _describe(error)
            await self._finish(key, attempt)
        return finish

    async def _finish(self, key: str, attempt: _Attempt) -> None:
        """Mark the row handled, or keep the error (set aside for good after the last attempt)."""
        if attempt.finished:
            return
        attempt.finished = True
        self._working.pop(key, None)
        claim = attempt.claim
        if claim is None:
            return
        marked = attempt.ride is not None and attempt.ride.taken
        if attempt.error is None:
            if not marked:
                await inbox.mark_handled(self.ctx, claim.id)
        else:  # a mark that rode on a write before the failure is taken back: the update stays to do
            await inbox.record_failure(self.ctx, claim.id, attempt.error, final=claim.attempts >= MAX_ATTEMPTS,
                                       marked=marked)

    def _mark(self, item_id: int) -> Callable[[Any], Awaitable[None]]:
        async def mark(session: Any) -> None:
            await inbox.handled_in(session, item_id, self.ctx.now())
        return mark

    def failed(self, update: object, error: BaseException | None) -> None:
        """The error handler's report: the attempt on `update` failed with `error`."""
        attempt = self._working.get(self.key(update)) if isinstance(update, Update) else None
        if attempt is not None:
            attempt.error = _describe(error) if error is not None else "failed"

    async def stored(self, bot: Bot) -> list[Update]:
        """Stored updates still to do (the process stopped before handling them), in stored order."""
        if given_up := await inbox.give_up_exhausted(self.ctx, PLATFORM, MAX_ATTEMPTS, GAVE_UP):
            log.warning("telegram updates set aside after every attempt", extra={"count": given_up})
        updates = []
        for item in await inbox.pending(self.ctx, PLATFORM, limit=100_000):
            if not self.mine(item.external_id):
                continue
            try:
                updates.append(Update.de_json(json.loads(item.payload), bot))
            except (ValueError, TypeError, KeyError) as exc:
                await inbox.record_failure(self.ctx, item.id, f"unreadable: {exc!r}", final=True)
        return updates


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


async def _nothing(error: BaseException | None = None) -> None:
    """Finishing an update that was not claimed here: nothing to record."""


def drop(coroutine: Awaitable[Any]) -> None:
    """Close a handling coroutine that will not run (a no-op once it has run)."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()
