"""GeoReport v2's two formats: XML (required; schemaless, no namespace) and JSON (the Spark convention), UTF-8."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TypeAlias
from xml.etree import ElementTree
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
    return _NOT_XML.sub("", str(value))


def _fill(element: ElementTree.Element, value: Value) -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            _fill(ElementTree.SubElement(element, name), inner)
    elif isinstance(value, list):
        item = ITEMS.get(element.tag, "item")
        for inner in value:
            _fill(ElementTree.SubElement(element, item), inner)
    elif value is not None:
        element.text = _scalar(value)


def xml_bytes(root: str, body: Value) -> bytes:
    """The document: the XML declaration with its encoding, then the root element."""
    element = ElementTree.Element(root)
    _fill(element, body)
    tree: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tree


def json_bytes(body: Value) -> bytes:
    """The Spark convention: the root element dropped, a list as an array."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def document(fmt: str, root: str, body: Value, status: int = 200,
             headers: dict[str, str] | None = None) -> Response:
    """The answer in `fmt` ("xml" or "json"; anything else gets XML, the required format)."""
    fmt = fmt if fmt in FORMATS else "xml"
    content = json_bytes(body) if fmt == "json" else xml_bytes(root, body)
    return Response(content, status_code=status, headers=headers, media_type=FORMATS[fmt])


def errors(fmt: str, status: int, description: str, headers: dict[str, str] | None = None) -> Response:
    """The specification's error answer: `errors` of one `error` with its code (the HTTP status) and description."""
    return document(fmt, "errors", [{"code": status, "description": description}], status, headers)
