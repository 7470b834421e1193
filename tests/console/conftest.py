"""The console over ASGI on the test database, and a browser-like client that signs in with a link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette

from console import console_routes
from console.signin import issue_link
from core.context import Context
from core.settings import Settings
from tests.officer.conftest import sim_options, world  # noqa: F401  # the officer bot, for /masuk

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
Browser = Callable[..., Any]


def settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, console_url="https://konsol.test", **overrides)  # type: ignore[call-arg]


def app_for(ctx: Context, **overrides: Any) -> Starlette:
    return Starlette(routes=console_routes(ctx, settings(**overrides)))


@asynccontextmanager
async def browser(ctx: Context, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps cookies, on https so the Secure cookies are sent back; `overrides` are settings."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app_for(ctx, **overrides)),
                                 base_url="https://konsol.test",
                                 follow_redirects=False) as client:
        yield client


def csrf_in(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found[1]


async def open_link(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """Open the link (the confirmation page), then press Masuk: the POST's answer."""
    page = await client.get(f"/konsol/masuk/{token}")
    if page.status_code != 200:
        return page
    return await client.post(f"/konsol/masuk/{token}", data={"csrf": csrf_in(page)})


async def sign_in(client: httpx.AsyncClient, ctx: Context, telegram_id: int) -> None:
    answer = await open_link(client, await issue_link(ctx, telegram_id))
    assert answer.status_code == 303 and answer.headers["location"] == "/konsol/kasus", answer.text
