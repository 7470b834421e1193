"""What the sandbox's control strip can do to the running system; the demo wires in the real actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StaffMember:
    """A Telegram user the page offers to act as, e.g. ``StaffMember(2001, "Andi", "verifikator")``."""

    telegram_id: int
    name: str
    role: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


async def _keep_speed(factor: float) -> str | None:
    return None


async def _no_flood(n: int = 50) -> str | None:
    return None


@dataclass
class SandboxControls:
    """The clock speed-up, the flood button and the staff to act as; the defaults do nothing.

    ``set_speed(factor)`` and ``flood(n=...)`` may return a short text the page shows as their result.
    """

    set_speed: Callable[[float], Awaitable[object]] = _keep_speed
    flood: Callable[..., Awaitable[object]] = _no_flood
    staff: Sequence[StaffMember | tuple[int, str, str]] = ()
    fast_factor: float = 60.0  # "1 menit = 1 jam"
    flood_size: int = 50
    speed: float = field(default=1.0, init=False)

    def staff_members(self) -> list[StaffMember]:
        return [s if isinstance(s, StaffMember) else StaffMember(*s) for s in self.staff]
