"""Bot API request parameters: query string, form, JSON body or multipart, as the real server reads them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from .rules import UPLOAD_MAX, ApiError, bad_request


@dataclass
class Upload:
    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    def __init__(self, values: dict[str, Any], files: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.files

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def str(self, name: str, required: bool = False, empty: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(empty or f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def int(self, name: str, required: bool = False, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        try:
            return int(float(value)) if isinstance(value, str) and "." in value else int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def float(self, name: str, required: bool = False) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, what: str = "JSON object") -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what}") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int | str:
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found") from None


DISPOSITION_RE = re.compile(r'(\w+\*?)="((?:\\.|[^"\\])*)"|(\w+)=([^;\s]+)')


def parse_multipart(body: bytes, boundary: bytes) -> tuple[dict[str, str], dict[str, Upload]]:
    """multipart/form-data, split exactly on the boundary (binary-safe, no extra dependency)."""
    values: dict[str, str] = {}
    files: dict[str, Upload] = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        params = {}
        for m in DISPOSITION_RE.finditer(headers.get("content-disposition", "")):
            params[(m.group(1) or m.group(3)).lower()] = m.group(2) if m.group(1) else m.group(4)
        name = params.get("name")
        if name is None:
            raise bad_request("can't parse multipart/form-data request")
        if "filename" in params:
            if len(data) > UPLOAD_MAX:
                raise ApiError(413, "Request Entity Too Large")
            files[name] = Upload(data, params["filename"], headers.get("content-type"))
        else:
            values[name] = data.decode("utf-8", "replace")
    return values, files


async def read_params(request: Request) -> Params:
    values: dict[str, Any] = dict(request.query_params)
    files: dict[str, Upload] = {}
    content_type = request.headers.get("content-type", "")
    if request.method != "POST":
        return Params(values)
    body = await request.body()
    if content_type.startswith("application/json"):
        if body:
            try:
                data = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON encoded request") from None
            if not isinstance(data, dict):
                raise bad_request("can't parse JSON encoded request")
            values.update(data)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif content_type.startswith("multipart/form-data"):
        m = re.search(r'boundary="?([^";]+)"?', content_type)
        if m is None:
            raise bad_request("can't parse multipart/form-data request")
        form, files = parse_multipart(body, m.group(1).encode())
        values.update(form)
    return Params(values, files)
