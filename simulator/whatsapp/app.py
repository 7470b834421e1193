"""The simulator's Graph API as a Starlette app (in-process via httpx.ASGITransport, or uvicorn)."""

from __future__ import annotations

import hmac
import json
import re
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..faults import FaultInjector
from . import graph, rules
from .dispatch import TranscriptEntry
from .rules import GraphError

if TYPE_CHECKING:
    from .simulator import WhatsAppSimulator

_VERSION = re.compile(r"^v\d+(\.\d+)?$")
_SUMMARY_MAX = 300


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, str | None, bytes]]:
    """``{field: (filename, content type, bytes)}`` of a multipart/form-data body."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise rules.invalid_parameter("The media upload must be multipart/form-data.")
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise rules.invalid_parameter("Malformed multipart body.")
    fields: dict[str, tuple[str | None, str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        part_type = part.get_content_type() if part.get("content-type") else None
        fields[name] = (part.get_filename(), part_type, data if isinstance(data, bytes) else b"")
    return fields


def _summary(data: bytes | str | None) -> str:
    if data is None:
        return ""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text if len(text) <= _SUMMARY_MAX else text[:_SUMMARY_MAX] + f"…({len(text)} chars)"


class GraphAPI:
    def __init__(self, sim: WhatsAppSimulator) -> None:
        self.sim = sim

    def _check_token(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else request.query_params.get("access_token")
        if not token:
            raise rules.missing_token()
        if not hmac.compare_digest(token.encode(), self.sim.token.encode()):
            raise rules.invalid_token()

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        try:
            self._check_token(request)
            status, answer = await self._route(request, body)
        except GraphError as error:
            status, answer = error.status, error.body()
        if isinstance(answer, Response):
            response: Response = answer
            summary = f"<{len(answer.body)} bytes {answer.media_type}>"
        else:
            response = JSONResponse(answer, status_code=status)
            summary = _summary(bytes(response.body))
        request_summary = (
            f"<multipart {len(body)} bytes>"
            if request.headers.get("content-type", "").startswith("multipart/")
            else _summary(body)
        )
        self.sim.transcript.append(
            TranscriptEntry(
                "api",
                request.method,
                path + (f"?{request.url.query}" if request.url.query else ""),
                response.status_code,
                request_summary,
                summary,
            )
        )
        return response

    async def _route(self, request: Request, body: bytes) -> tuple[int, Any]:
        parts = [p for p in request.url.path.split("/") if p]
        if parts[:2] == ["whatsapp_business", "attachments"]:
            return 200, self._download(request)
        if parts and _VERSION.match(parts[0]):
            parts = parts[1:]
        method = request.method
        sim = self.sim
        if len(parts) == 2 and parts[1] in ("messages", "media") and method == "POST":
            phone_id = parts[0]
            if phone_id not in sim.accounts:
                raise rules.unknown_object(phone_id, method)
            if parts[1] == "messages":
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    raise rules.invalid_parameter("The request body must be JSON.") from None
                return 200, graph.send(sim, payload, phone_id)
            form = parse_multipart(request.headers.get("content-type", ""), body)
            return 200, graph.upload(sim, form, phone_id)
        if len(parts) == 1 and method in ("GET", "DELETE"):
            object_id = parts[0]
            if method == "DELETE":
                return 200, graph.delete(sim, object_id, request.query_params.get("phone_number_id"))
            if object_id in sim.accounts and method == "GET":
                return 200, graph.phone_number(sim, object_id)
            return 200, graph.lookup(sim, object_id, request.query_params.get("phone_number_id"))
        if len(parts) == 2 and method in ("GET", "POST", "DELETE") and parts[0] not in sim.accounts:
            raise rules.unknown_object(parts[0], method)
        raise rules.unknown_path("/".join(parts))

    def _download(self, request: Request) -> Response:
        media_id = request.query_params.get("mid", "")
        media = self.sim.media.get(media_id)
        if media is None or not hmac.compare_digest(
            request.query_params.get("hash", ""), self.sim.media.url_hash(media_id)
        ):
            return Response(b"", status_code=404)
        headers = {"Content-Disposition": f'attachment; filename="{media.filename or media.id}"'}
        return Response(media.data, media_type=media.mime_type, headers=headers)


def build_app(sim: WhatsAppSimulator) -> Starlette:
    endpoint = GraphAPI(sim)
    faults = Middleware(FaultInjector, plan=lambda: sim.fault_plan,
                        error_body=lambda kind, _plan: _fault_body(sim, kind))
    return Starlette(routes=[Route("/{path:path}", endpoint.handle, methods=["GET", "POST", "DELETE"])],
                     middleware=[faults])


def _fault_body(sim: WhatsAppSimulator, kind: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Meta's answers for an injected fault: 131000 "Something went wrong" (500), or 130429 throughput."""
    error = (GraphError(131000, "(#131000) Something went wrong", 500, "Simulated platform fault")
             if kind == "500" else rules.rate_limited(sim.messages_per_second))
    return error.status, error.body(), {}
