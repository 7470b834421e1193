"""Platform faults for both simulators: a seeded fraction of API calls fails the way the platforms fail.

    sim.api_faults(rate=0.2, kinds=("500", "429", "timeout", "reset"), seed=7)

- ``500``: the platform's internal-error answer (nothing happened).
- ``429``: the platform's rate-limit answer (Telegram: ``parameters.retry_after``; nothing happened).
- ``timeout``: the platform *did* the call, but the answer never reaches the client. In-process
  (httpx.ASGITransport) the client sees ``httpx.ReadTimeout``; served on a socket, set ``hang`` and
  the answer is held back that many seconds (a client with a shorter timeout gives up).
- ``reset``: the connection drops before the platform sees the request (nothing happened).
  In-process the client sees ``httpx.RemoteProtocolError``; on a socket uvicorn answers 500 instead.

``counts`` says how many of each were injected; ``calls`` how many calls were looked at.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

KINDS = ("500", "429", "timeout", "reset")
Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


@dataclass
class FaultPlan:
    """Which calls fail and how; ``only(method, path)`` narrows the calls that may fail."""

    rate: float
    kinds: tuple[str, ...] = KINDS
    seed: int | None = None
    retry_after: int = 1
    hang: float | None = None
    only: Callable[[str, str], bool] | None = None
    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    calls: int = 0
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, kind) of each injected fault

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds are {KINDS}, got {self.kinds}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate is a fraction between 0 and 1")
        self._rng = random.Random(self.seed)

    def draw(self, method: str, path: str) -> str | None:
        """The fault for this call, or None to let it through."""
        if self.only is not None and not self.only(method, path):
            return None
        self.calls += 1
        if self._rng.random() >= self.rate:
            return None
        kind = self._rng.choice(self.kinds)
        self.counts[kind] += 1
        self.log.append((method, path, kind))
        return kind


ErrorBody = Callable[[str, FaultPlan], tuple[int, dict[str, Any], dict[str, str]]]


class FaultInjector:
    """ASGI middleware in front of a simulator's API; passes everything through while no plan is set."""

    def __init__(self, app: Any, plan: Callable[[], FaultPlan | None], error_body: ErrorBody) -> None:
        self.app, self.plan, self.error_body = app, plan, error_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plan = self.plan()
        kind = plan.draw(scope.get("method", ""), scope.get("path", "")) if plan and scope["type"] == "http" else None
        if kind is None or plan is None:
            await self.app(scope, receive, send)
        elif kind == "reset":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        elif kind == "timeout":
            await self._lost_answer(scope, receive, send, plan)
        else:
            status, body, headers = self.error_body(kind, plan)
            raw = json.dumps(body).encode()
            head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
                    *((k.lower().encode(), v.encode()) for k, v in headers.items())]
            await receive()  # read the request, as a server does
            await send({"type": "http.response.start", "status": status, "headers": head})
            await send({"type": "http.response.body", "body": raw})

    async def _lost_answer(self, scope: Scope, receive: Receive, send: Send, plan: FaultPlan) -> None:
        """Do the call; then lose the answer (in-process) or hold it back `hang` seconds (socket)."""
        held: list[dict[str, Any]] = []

        async def keep(message: dict[str, Any]) -> None:
            held.append(message)

        await self.app(scope, receive, keep)
        if plan.hang is None:
            raise httpx.ReadTimeout("timed out waiting for the answer (simulated)")
        await asyncio.sleep(plan.hang)
        for message in held:
            await send(message)


class ApiFaults:
    """What each simulator offers for injecting platform faults into its API."""

    fault_plan: FaultPlan | None = None

    def api_faults(
        self,
        rate: float = 0.2,
        kinds: tuple[str, ...] = KINDS,
        seed: int | None = None,
        *,
        retry_after: int = 1,
        hang: float | None = None,
        only: Callable[[str, str], bool] | None = None,
    ) -> FaultPlan:
        """Make a seeded fraction of API calls fail like the platform does (see simulator.faults); rate 0 stops."""
        self.fault_plan = FaultPlan(rate, tuple(kinds), seed, retry_after, hang, only) if rate else None
        return self.fault_plan or FaultPlan(0.0)
