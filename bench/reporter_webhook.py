"""Throughput of the reporter bot's webhook route: signed text messages acknowledged per second.

    .venv/bin/python bench/reporter_webhook.py [-n 2000] [--concurrency 20] [--citizens 200] [--route-only]

Each POST is checked (HMAC), stored in the inbox and answered 200, exactly as WhatsApp's webhooks
are; the conversation runs in the background on the same event loop and database (SQLite in a temp
dir), so the figure is what the route sustains while the bot also works. In-process (ASGI).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx
from _reporter_setup import SECRET, rig  # type: ignore[import-not-found]

from simulator.whatsapp import sign


def body(n: int, citizens: int) -> bytes:
    wa_id = f"62813{n % citizens:08d}"
    metadata = {"display_phone_number": "1", "phone_number_id": "1234567890"}
    value = {"messaging_product": "whatsapp", "metadata": metadata,
             "contacts": [{"wa_id": wa_id, "user_id": f"ID.{n % citizens}", "profile": {"name": "Warga"}}],
             "messages": [{"from": wa_id, "id": f"wamid.bench{n:08d}", "timestamp": "1", "type": "text",
                           "text": {"body": "cek status"}}]}
    return json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "9876543210", "changes": [{"field": "messages", "value": value}]}]}).encode()


async def run(n: int, concurrency: int, citizens: int, route_only: bool) -> None:
    async with rig() as r:
        if route_only:  # measure the route alone: stored updates are left for a later start
            r.bot.workers.put = lambda key, item: None  # type: ignore[method-assign]
        bodies = [body(i, citizens) for i in range(n)]
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        for b in bodies:
            queue.put_nowait(b)
        statuses: list[int] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=r.app), base_url="http://bot") as client:

            async def worker() -> None:
                while not queue.empty():
                    b = queue.get_nowait()
                    answer = await client.post("/webhook/whatsapp", content=b,
                                               headers={"X-Hub-Signature-256": sign(b, SECRET)})
                    statuses.append(answer.status_code)

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            acked = time.perf_counter() - start
            await r.bot.workers.drain()
            processed = time.perf_counter() - start
        assert statuses.count(200) == n, statuses[:5]
        print(f"{n} signed text webhooks, {concurrency} concurrent, {citizens} citizens")
        print(f"acknowledged (verified + stored, 200): {n / acked:,.0f}/s ({acked:.2f} s)")
        print(f"processed (conversation turns committed): {n / processed:,.0f}/s ({processed:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--route-only", action="store_true", help="do not process: the route alone")
    args = parser.parse_args()
    asyncio.run(run(args.n, args.concurrency, args.citizens, args.route_only))


if __name__ == "__main__":
    main()
