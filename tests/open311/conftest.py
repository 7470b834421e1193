"""The Open311 API over ASGI on the test database, and readers of its two formats.

Every answer a test gets through `api` is checked against the GeoReport v2 schema (tests/open311/schema.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette

from core.context import Context
from core.settings import Settings
from open311 import open311_routes
from tests.officer.conftest import sim_options, world  # noqa: F401  (the officer bot on the Telegram simulator)
from tests.open311 import schema

KEY = "key-for-the-test-0123456789"
BASE = "https://lapor.test/open311/v2"
# What the tests' citizens are: none of it may leave through the API.
PERSONAL = ("081234567890", "6281234567890", "Daeng Ngalle", "+62 813 0000 1111", "6281300001111", "081300001111",
            "Tetangga")
# Any Indonesian mobile number, the cast's or not (a masked one has stars among its digits).
MOBILE = re.compile(r"(\+?62|0)8\d{7,}")


def assert_private(body: str, where: object) -> None:
    """Nothing personal in an answer: no name or number of the cast, no mobile number of anyone."""
    for word in PERSONAL:
        assert word.casefold() not in body.casefold(), (word, where)
    found = MOBILE.search(re.sub(r"(?<=\d)[\s.-](?=\d)", "", body))
    assert found is None, (found, where)


def settings(media_dir: Path | None = None) -> Settings:
    return Settings(_env_file=None, console_url="https://lapor.test",  # type: ignore[call-arg]
                    open311_api_keys=SecretStr(f"other-key, {KEY}"), media_dir=media_dir or Path("./var/media-none"))


@asynccontextmanager
async def api(ctx: Context, media_dir: Path | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API that checks every answer carries nothing personal and is GeoReport v2 in both formats."""
    app = Starlette(routes=open311_routes(ctx, settings(media_dir)))

    async def private(response: httpx.Response) -> None:
        await response.aread()
        if not response.headers.get("content-type", "").startswith("image/"):
            assert_private(response.text, response.url)

    async def conforming(response: httpx.Response) -> None:
        await schema.check(response, twin)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as twin, httpx.AsyncClient(
            transport=transport, base_url=BASE, event_hooks={"response": [private, conforming]}) as client:
        yield client


def xml(response: httpx.Response) -> ElementTree.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8", response.headers
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)


def data(response: httpx.Response) -> Any:
    assert response.headers["content-type"] == "application/json; charset=utf-8", response.headers
    return json.loads(response.content.decode("utf-8"))


def children(element: ElementTree.Element) -> list[str]:
    return [child.tag for child in element]


def error_of(response: httpx.Response, status: int) -> str:
    """The description of the specification's one-error answer (XML or JSON), checking its form."""
    assert response.status_code == status, response.text
    if response.headers["content-type"].startswith("text/xml"):
        root = xml(response)
        assert root.tag == "errors" and children(root) == ["error"]
        assert children(root[0]) == ["code", "description"] and root[0].findtext("code") == str(status)
        return root[0].findtext("description") or ""
    body = data(response)
    assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status
    return str(body[0]["description"])


@asynccontextmanager
async def served(ctx: Context, media_dir: Path | None = None) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """The API served by uvicorn on 127.0.0.1 (real HTTP): its base URL, and a client checking every answer."""
    from tests.sandbox.browser import serve  # uvicorn on a free loopback port

    async with serve(Starlette(routes=open311_routes(ctx, settings(media_dir)))) as origin:
        base = f"{origin}/open311/v2"

        async def conforming(response: httpx.Response) -> None:
            await schema.check(response, twin)

        async def private(response: httpx.Response) -> None:
            await response.aread()
            if not response.headers.get("content-type", "").startswith("image/"):
                assert_private(response.text, response.url)
        async with httpx.AsyncClient(base_url=base) as twin, httpx.AsyncClient(
                base_url=base, event_hooks={"response": [private, conforming]}) as client:
            yield base, client
