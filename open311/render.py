"""GeoReport v2's two formats: XML (required; schemaless, no namespace) and JSON (the Spark convention), UTF-8."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TypeAlias
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from starlette.responses import Response

Value: TypeAlias = "str | int | float | bool | list[Value] | dict[str, Value] | None"

# A list's XML children are named as the specification's documents name them.
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "endpoints": "endpoint", "formats": "format", "errors": "error",
         "service_request_updates": "request_update"}  # FixMyStreet's extension
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# What XML 1.0 cannot carry at all (a citizen's text may hold a stray control character).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Problem(Exception):
    """An answer in the specification's errors list: the HTTP status and the catalogue key of its description
    (in the catalogue's `table`), and any headers the answer needs (e.g. Retry-After)."""

    def __init__(self, status: int, key: str, *, table: str = "open311.error",
                 headers: dict[str, str] | None = None, **params: object) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params
        self.table, self.headers = table, headers or {}


def w3c(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """A W3C datetime in the kecamatan's time, with its offset: `2026-12-03T09:15:00+08:00`."""
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment is not None else None


def _scalar(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # Whatever XML cannot carry is unprintable: the common text skips the pattern.
    return escape(text if text.isprintable() else _NOT_XML.sub("", text))


def _written(tag: str, value: Value, out: list[str]) -> None:
    """`value` as the element `tag` (a list's items named by ITEMS), as ElementTree writes it, onto `out`."""
    if isinstance(value, dict | list) and value:
        out.append(f"<{tag}>")
        if isinstance(value, dict):
            for name, inner in value.items():
                _written(name, inner, out)
        else:
            item = ITEMS.get(tag, "item")
            for inner in value:
                _written(item, inner, out)
        out.append(f"</{tag}>")
        return
    text = _scalar(value) if value is not None and not isinstance(value, dict | list) else ""
    out.append(f"<{tag}>{text}</{tag}>" if text else f"<{tag} />")


def xml_bytes(root: str, body: Value) -> bytes:
    """The document: the XML declaration with its encoding, then the root element (written as text: a page of
    1,000 requests as an ElementTree took longer to serialise than to read)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _written(root, body, out)
    return "".join(out).encode("utf-8")


def json_bytes(body: Value) -> bytes:
    """The Spark convention: the root element dropped, a list as an array; a character XML cannot carry is
    dropped here too, so both formats say the same."""
    return json.dumps(_cleaned(body), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _cleaned(value: Value) -> Value:
    if isinstance(value, str):
        return value if value.isprintable() else _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def document(fmt: str, root: str, body: Value, status: int = 200,
             headers: dict[str, str] | None = None) -> Response:
    """The answer in `fmt` ("xml" or "json"; anything else gets XML, the required format)."""
    fmt = fmt if fmt in FORMATS else "xml"
    content = json_bytes(body) if fmt == "json" else xml_bytes(root, body)
    return Response(content, status_code=status, headers=headers, media_type=FORMATS[fmt])


def errors(fmt: str, status: int, description: str, headers: dict[str, str] | None = None) -> Response:
    """The specification's error answer: `errors` of one `error` with its code (the HTTP status) and description."""
    return document(fmt, "errors", [{"code": status, "description": description}], status, headers)
