"""What every use case needs from the outside world: the database, its kecamatan's profile and the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.engine import unit_of_work
from core.db.group import GroupCommit
from core.domain.sla import Stage, WorkingCalendar, deadline
from core.kabupaten import DEFAULT_AGENCY_SLA, Kabupaten
from core.profile import Profile


def utc_now() -> datetime:
    return datetime.now(UTC)


class OutboxSignal:
    """Wakes a channel's dispatcher when a commit queued rows for it; wakes watchers on every commit."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._watchers: dict[str, asyncio.Event] = {}

    def event(self, channel: str) -> asyncio.Event:
        """Set when a commit queued or woke rows of `channel`."""
        return self._events.setdefault(channel, asyncio.Event())

    def watch(self, name: str) -> asyncio.Event:
        """Set after every commit (tests and tools waiting for "something changed")."""
        return self._watchers.setdefault(name, asyncio.Event())

    def committed(self, channels: frozenset[str]) -> None:
        """The sessions' after-commit hook (`make_sessions(on_commit=...)`)."""
        for channel in channels:
            self.event(channel).set()
        for watcher in self._watchers.values():
            watcher.set()

    def set_all(self) -> None:
        for wake in (*self._events.values(), *self._watchers.values()):
            wake.set()


@dataclass
class Context:
    """Passed to every use case: it acts in one kecamatan (the tenant), `profile`; `at` gives the same
    database, clock and signals in another kecamatan of the install. `clock` is injected so tests and
    the scheduler control time."""

    sessions: async_sessionmaker[AsyncSession]
    profile: Profile
    clock: Callable[[], datetime] = utc_now
    outbox: OutboxSignal = field(default_factory=OutboxSignal)
    kabupaten: Kabupaten = None  # type: ignore[assignment]  # None given: a kabupaten of `profile` alone
    _calendars: dict[int, WorkingCalendar] = field(default_factory=dict, repr=False)
    _groups: dict[str, GroupCommit[Any, Any]] = field(default_factory=dict, repr=False)
    _tenants: dict[str, Context] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.kabupaten is None:
            self.kabupaten = Kabupaten.of_one(self.profile)
        self._tenants.setdefault(self.profile.code, self)

    @property
    def kecamatan(self) -> str:
        """The code of the kecamatan this context acts in (`tickets.kecamatan`)."""
        return self.profile.code

    def at(self, kecamatan: str) -> Context:
        """This install's context for another of its kecamatan (shared database, clock, signals, commits)."""
        if kecamatan in self._tenants:
            return self._tenants[kecamatan]
        profile = self.kabupaten.profile(kecamatan)
        if profile.code in self._tenants:
            return self._tenants[profile.code]
        return replace(self, profile=profile, _calendars={}, _groups=self._groups, _tenants=self._tenants)

    def tenants(self) -> list[Context]:
        """A context for every kecamatan of the install, in the kabupaten file's order."""
        return [self.at(p.code) for p in self.kabupaten]

    def now(self) -> datetime:
        return self.clock()

    def unit(self) -> AbstractAsyncContextManager[None]:
        """One unit of work: every transaction the block opens (use cases' included) commits once, at its end.

        It opens at the first write, so do I/O (downloads, platform calls) before it or after it."""
        return unit_of_work(self.sessions)

    def group(self, name: str, write: Callable[[Callable[[], list[Any]]], Awaitable[Sequence[Any]]]
              ) -> GroupCommit[Any, Any]:
        """The group commit `name` of these sessions (built on first use with `write`)."""
        if name not in self._groups:
            self._groups[name] = GroupCommit(write)
        return self._groups[name]

    async def settle_groups(self) -> None:
        """Wait for every group commit's writer to finish what it holds (before the engine is closed)."""
        for group in list(self._groups.values()):
            await group.settle()

    def calendar(self, year: int) -> WorkingCalendar:
        """Office hours and holidays around `year` (built once per year, holidays are costly)."""
        if year not in self._calendars:
            self._calendars[year] = self.profile.calendar(range(year - 1, year + 3))
        return self._calendars[year]

    def stage_deadline(self, category_code: str | None, stage: Stage, start: datetime,
                       agency: str | None = None) -> datetime | None:
        """When `stage` of a ticket in the category is due; None for a category the profile lacks. A case
        with an agency is due on the agency's follow-up time, in working time, whatever its category."""
        if stage is Stage.AGENCY:
            found = self.kabupaten.agency(agency or "")
            return deadline(start, found.sla if found else DEFAULT_AGENCY_SLA, self.calendar(start.year))
        category = self.profile.category(category_code) if category_code else None
        if category is None:
            # The desk may set the category while verifying; until then the profile's default applies.
            if stage is not Stage.VERIFY:
                return None
            return deadline(start, self.profile.uncategorised_verify, self.calendar(start.year))
        calendar = self.calendar(start.year) if category.working_time else None
        return deadline(start, category.sla.span(stage), calendar)
