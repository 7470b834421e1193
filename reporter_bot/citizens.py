"""One citizen's messages in arrival order across replicas (PostgreSQL).

Any replica behind the proxy may receive a citizen's webhook and store it; the one that then takes the
citizen (a transaction-scoped advisory lock on the citizen's number, `core.db.advisory.turn`) handles every
stored message of theirs still to do, oldest first, whoever stored it, and looks once more after letting
go, so a message stored while it held the citizen is never left behind. A replica that finds the citizen taken leaves
them to the holder. A replica that dies mid-turn loses its lock with its connection; its citizen's rows
are still to do, and any replica's sweep (`stranded`) hands them to a worker within a few seconds. The
turn's idempotency keys stay the last guard against a message handled twice.

On SQLite (one process by design) the in-process order of reporter_bot/workers.py is all there is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from core import inbox
from core.context import Context
from core.db.advisory import turn
from core.db.engine import is_sqlite
from core.inbox import InboxItem

log = logging.getLogger(__name__)
STRANDED_AFTER = timedelta(seconds=5)  # a row still to do this long after it was stored has lost its worker


class CitizenTurns:
    """The worker's handler: on PostgreSQL, the citizen's stored messages under the citizen's lock;
    on SQLite, the item itself."""

    def __init__(self, ctx: Context, platform: str, process: Callable[[InboxItem], Awaitable[None]]) -> None:
        self.ctx, self.platform, self.process = ctx, platform, process
        self.shared = not is_sqlite(ctx.sessions)

    async def __call__(self, item: InboxItem) -> None:
        if not self.shared:
            await self.process(item)
            return
        tried: set[int] = set()  # each row once per call: one that stays to do (its failure kept) waits
        while True:
            async with turn(self.ctx, f"citizen:{self.platform}:{item.sender}") as held:
                if not held:
                    return  # the holder looks again after letting go: it takes this one too
                for row in await inbox.pending(self.ctx, self.platform, 1_000, sender=item.sender):
                    if row.id not in tried:
                        tried.add(row.id)
                        await self.process(row)
            # A row stored meanwhile (by a replica that found the citizen taken) may have a smaller id than one
            # handled here: its transaction committed later. Whatever is still to do and untried, take it now.
            rest = await inbox.pending(self.ctx, self.platform, 1_000, sender=item.sender)
            if all(row.id in tried for row in rest):
                return

    async def stranded(self) -> list[InboxItem]:
        """Rows still to do well after they were stored: a dead replica's, or one whose webhook was stored
        while its citizen's holder was letting go. One per citizen (the handler takes the rest)."""
        if not self.shared:
            return []
        rows = await inbox.pending(self.ctx, self.platform, 500, received_before=self.ctx.now() - STRANDED_AFTER)
        return list({row.sender: row for row in reversed(rows)}.values())
