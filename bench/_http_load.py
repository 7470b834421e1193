"""An open-loop HTTP/1.1 load on a few keep-alive connections, light enough not to be the bottleneck.

httpx's pool spends CPU per queued request (its assignment of requests to connections is a scan of
every waiting request), so at a few hundred requests a second on a busy 2-core machine the client
itself fell seconds behind a server that answered in tens of milliseconds (measured: handler p50
35 ms, httpx latency p50 6 s). This client writes each request on a free connection of its own pool
at its due time; its latency counts from that due time, so waiting for a free connection counts too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import urlsplit


async def _read_response(reader: asyncio.StreamReader) -> int:
    """The status of one response (its body read and dropped); raises on a closed connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def open_loop(url: str, path: str, requests: Sequence[tuple[dict[str, str], bytes]], rate: float,
                    connections: int = 64) -> tuple[list[float], int]:
    """POST each of `requests` (headers, body) at `rate` per second; (latencies in s from each due time, non-200s)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = asyncio.Queue()
    for _ in range(connections):
        free.put_nowait(None)  # opened on first use
    latencies: list[float] = []
    errors = 0
    start = loop.time() + 0.5

    async def one(i: int) -> None:
        nonlocal errors
        headers, body = requests[i]
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        conn = await free.get()
        try:
            if conn is None:
                conn = await asyncio.open_connection(host, port)
            reader, writer = conn
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n{head}\r\n"
                         .encode("latin-1") + body)
            status = await _read_response(reader)
            errors += status != 200
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            if conn is not None:
                conn[1].close()
            conn = None
        finally:
            free.put_nowait(conn)
        latencies.append(loop.time() - due)

    await asyncio.gather(*(one(i) for i in range(len(requests))))
    while not free.empty():
        conn = free.get_nowait()
        if conn is not None:
            conn[1].close()
    return latencies, errors
