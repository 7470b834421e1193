"""Throughput of the WhatsApp simulator: N text messages sent by the real pywa client.

    .venv/bin/python bench/simulator_whatsapp.py [-n 2000] [--statuses] [--uvicorn] [--concurrency 1]

In-process (httpx.ASGITransport) by default; ``--uvicorn`` serves the simulator on a real socket on
127.0.0.1 and goes through reporter_bot.graph_transport like the bot does. The per-number
throughput limit is lifted so the simulator itself is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import time

import _common  # noqa: F401  (puts the tree under test on sys.path)
import httpx
from pywa_async import WhatsApp
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from reporter_bot.graph_transport import GraphAPITransport
from simulator.whatsapp import WhatsAppSimulator


async def ok(_: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def run(n: int, statuses: bool, use_uvicorn: bool, concurrency: int) -> None:
    webhook_sink = Starlette(routes=[Route("/webhook", ok, methods=["POST"])])
    sim = WhatsAppSimulator(
        webhook_url="http://bot.bench/webhook",
        webhook_transport=httpx.ASGITransport(app=webhook_sink),
        messages_per_second=10**9,
        status_webhooks=statuses,
    )
    server = None
    if use_uvicorn:
        import uvicorn

        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto is TCP,
        # and Nagle + delayed ACK would cost 40 ms per request
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.bind(("127.0.0.1", 0))
        listener.listen(256)
        sim.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(sim.app, log_level="warning", lifespan="off"))
        serve_task = asyncio.create_task(server.serve(sockets=[listener]))
        transport = GraphAPITransport(sim.base_url)
    else:
        transport = GraphAPITransport(sim.base_url, inner=httpx.ASGITransport(app=sim.app))
    session = httpx.AsyncClient(transport=transport, timeout=30)
    wa = WhatsApp(phone_id=sim.phone_id, token=sim.token, session=session)
    citizen = sim.citizen("081234567890", name="Bench")
    await citizen.sends_text("halo")
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            await wa.send_message(to=citizen.wa_id, text=f"pesan {i}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await sim.idle(timeout=600)
    total = time.perf_counter() - started
    assert len(citizen.received) == n
    mode = "uvicorn socket" if use_uvicorn else "in-process ASGI"
    print(f"{n} sends via pywa, {mode}, concurrency {concurrency}, status webhooks {'on' if statuses else 'off'}")
    print(f"  send requests/s: {n / elapsed:,.0f}  ({elapsed * 1000 / n:.2f} ms per send)")
    if statuses:
        print(f"  incl. delivering {3 * n} status webhooks: {n / total:,.0f} sends/s")
    await session.aclose()
    await sim.aclose()
    if server is not None:
        server.should_exit = True
        await serve_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--statuses", action="store_true", help="also send sent/delivered/read webhooks")
    parser.add_argument("--uvicorn", action="store_true", help="serve on a real socket")
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.n, args.statuses, args.uvicorn, args.concurrency))


if __name__ == "__main__":
    main()
