"""What every route of the sandbox page needs, and the small helpers they share."""

from __future__ import annotations

import base64
import binascii
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.kabupaten import Kabupaten
from core.profile import Profile
from simulator.sandbox import Sandbox
from simulator.telegram import SimulationError
from simulator.whatsapp import GraphError, NotOfferedError

from .controls import SandboxControls
from .feed import ChangeFeed

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class SandboxState:
    sandbox: Sandbox
    install: Kabupaten
    controls: SandboxControls
    feed: ChangeFeed
    center: tuple[float, float]  # the first kecamatan's map centre

    @property
    def profile(self) -> Profile:
        """The first kecamatan: its time zone is the install's."""
        return self.install.first

    @staticmethod
    def of(request: Request) -> SandboxState:
        state: SandboxState = request.app.state.sandbox
        return state


class BadInput(ValueError):
    """The page sent something the sandbox cannot act on; the message is shown to the user."""


def problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def action(endpoint: Endpoint) -> Endpoint:
    """Turn what a simulated person could not do into a readable error answer instead of a crash."""

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except (NotOfferedError, SimulationError) as exc:
            return problem(409, f"Tidak bisa: {exc}")
        except GraphError as exc:
            return problem(400, f"WhatsApp menolak: {exc.message}")
        except BadInput as exc:
            log.info("sandbox: bad input on %s: %s", request.url.path, exc)
            return problem(400, str(exc))

    return run


async def body(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise BadInput("Permintaan tidak berisi JSON yang sah.") from None
    if not isinstance(data, dict):
        raise BadInput("Permintaan harus berupa objek JSON.")
    return data


def text_field(data: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadInput(f"Isian '{name}' wajib diisi.")
        return None
    if not isinstance(value, str):
        raise BadInput(f"Isian '{name}' harus berupa teks.")
    return value


def int_field(data: dict[str, Any], name: str, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None and not required:
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadInput(f"Isian '{name}' harus berupa angka.") from None


def point_field(data: dict[str, Any]) -> tuple[float, float]:
    """The latitude and longitude of a shared location, checked."""
    try:
        latitude, longitude = float(data["latitude"]), float(data["longitude"])
    except (KeyError, TypeError, ValueError):
        raise BadInput("Lokasi butuh latitude dan longitude berupa angka.") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise BadInput("Koordinat di luar bumi.")
    return latitude, longitude


def decode_file(value: Any) -> bytes:
    """A file the page read from disk: base64, optionally as a data: URL."""
    if not isinstance(value, str) or not value:
        raise BadInput("Berkas kosong.")
    try:
        return base64.b64decode(value.partition(",")[2] if value.startswith("data:") else value, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput("Berkas tidak terbaca (base64 rusak).") from None


def sample(name: str) -> bytes:
    return (STATIC / name).read_bytes()
