"""Storing webhooks before their 200, several deliveries per transaction (a group commit).

Each delivery's request still waits until its own rows are durable; deliveries arriving while one
transaction is being written go together in the next. A status (sent, delivered, read, failed)
needs no conversation: it is recorded in that same transaction and its row stored as handled, so a
status costs no write of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core import inbox
from core.context import Context
from core.db.engine import begin_first
from core.db.group import GroupCommit
from core.inbox import RawUpdate, UnreadableUpdate
from reporter_bot import store
from reporter_bot.webhook_body import Status, parse

log = logging.getLogger(__name__)
STATUS_KEY = "status:"  # how the intake names a status's update (reporter_bot.intake)


@dataclass(frozen=True)
class Delivery:
    """One webhook body's updates, and what of it cannot be read."""

    updates: Sequence[RawUpdate]
    unreadable: UnreadableUpdate | None = None


class Acknowledger:
    """`store(delivery)`: the row ids of its updates not stored before (statuses excluded: handled already)."""

    def __init__(self, ctx: Context, platform: str, lines: frozenset[str]) -> None:
        self.ctx, self.platform, self.lines = ctx, platform, lines
        self._group: GroupCommit[Delivery, dict[str, int]] = GroupCommit(self._write)

    async def store(self, delivery: Delivery) -> dict[str, int]:
        return await self._group.submit(delivery)

    async def settle(self) -> None:
        """Return once no group of webhooks is being written."""
        await self._group.settle()

    async def _write(self, take: Callable[[], list[Delivery]]) -> list[dict[str, int]]:
        async with begin_first(self.ctx.sessions) as session:
            deliveries, now = take(), self.ctx.now()
            stored = await inbox.store_new_in(session, self.platform,
                                              [(d.updates, d.unreadable) for d in deliveries], now)
            handled: list[int] = []
            for delivery, fresh in zip(deliveries, stored, strict=True):
                for update in delivery.updates:
                    item_id = fresh.get(update.external_id)
                    if item_id is None or not update.external_id.startswith(STATUS_KEY):
                        continue
                    statuses = self._statuses(update)
                    if statuses is None:
                        continue  # left to the sender's worker, which keeps why it failed
                    try:
                        async with session.begin_nested():  # one status that fails stays alone
                            await store.record_statuses_in(session, statuses, now)
                    except Exception:
                        log.warning("status not recorded at once; left to the worker", exc_info=True,
                                    extra={"inbox_id": item_id})
                        continue
                    handled.append(item_id)
                    del fresh[update.external_id]
            if handled:
                await inbox.processed_in(session, handled, now)
        return stored

    def _statuses(self, update: RawUpdate) -> list[Status] | None:
        """The update's statuses when it holds statuses only, else None."""
        try:
            messages, statuses = parse(update.payload, self.lines)
        except Exception:
            return None
        return statuses if statuses and not messages else None
