"""A signed webhook body as it arrives: read within a bound, split into one update per message and status.

Meta batches updates (up to 1,000 in a body, from several citizens) and redelivers any of them later,
alone or grouped otherwise; so each message is stored under its own id (`wamid`), with a payload that
parses alone. A body, or a part of it, that cannot be read is kept with the reason instead: it is
answered 200 like any signed body, since Meta retries anything else for days.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from core.inbox import RawUpdate, UnreadableUpdate
from reporter_bot.webhook_body import clean

MAX_BODY = 4 * 1024 * 1024  # Meta's webhook payloads are at most 3 MB; a bigger body is hashed, not kept
MAX_DEPTH = 32  # a message nests about 5 levels; deeper ones would trip json's recursion further on
MAX_SENDER = 64  # the inbox's sender column
EXCERPT = 1000  # characters of an unreadable body kept with its reason
# Meta's ids are printable ASCII (`wamid.` + base64); bounded so `status:<id>:<status>` fits the inbox key.
_ID = re.compile(r"[!-~]{1,150}")
_STATUS = re.compile(r"[a-z_]{1,30}")


@dataclass(frozen=True)
class SignedBody:
    head: bytes  # the body, or its first MAX_BODY bytes
    size: int
    signature: str  # "sha256=" + the HMAC-SHA256 of the whole body, as X-Hub-Signature-256 carries it

    @property
    def complete(self) -> bool:
        return self.size <= MAX_BODY


async def read_signed(chunks: AsyncIterator[bytes], secret: bytes) -> SignedBody:
    """The body's signature and at most MAX_BODY of it, whatever its size (memory stays bounded)."""
    mac = hmac.new(secret, digestmod=hashlib.sha256)
    head, size = bytearray(), 0
    async for chunk in chunks:
        mac.update(chunk)
        size += len(chunk)
        if len(head) < MAX_BODY:
            head += chunk[:MAX_BODY - len(head)]
    return SignedBody(bytes(head), size, "sha256=" + mac.hexdigest())


@dataclass
class Split:
    updates: list[RawUpdate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why parts could not be read; no content in them
    foreign: int = 0  # messages and statuses for a business number this install does not serve (never answered)

    def unreadable(self, body: SignedBody) -> UnreadableUpdate | None:
        """What is kept of the unreadable parts: named by the body's signature, so Meta's retry is kept once."""
        if not self.problems:
            return None
        reason = f"unreadable ({body.size} bytes): " + "; ".join(self.problems)
        excerpt = clean(body.head[:EXCERPT].decode("utf-8", "replace"))[:EXCERPT]
        return UnreadableUpdate(f"unreadable:{body.signature[7:47]}", excerpt, reason[:2000])


def split(body: SignedBody, lines: frozenset[str]) -> Split:
    """Each message and status for one of our numbers (`lines`, phone number ids) as an update of its own,
    and why any part cannot be read."""
    found = Split()
    if not body.complete:
        found.problems.append("too large")
        return found
    try:
        data = json.loads(body.head.decode("utf-8"))
    except UnicodeDecodeError:
        found.problems.append("not UTF-8")
        return found
    except RecursionError:
        found.problems.append("nested too deeply")
        return found
    except ValueError as exc:  # not JSON, or an integer past Python's digit limit
        found.problems.append(f"not JSON ({str(exc)[:80]})")
        return found
    if not isinstance(data, dict):
        found.problems.append("not a JSON object")
        return found
    entries = data.get("entry")
    if not isinstance(entries, list):
        found.problems.append("entry is not a list")
        return found
    for e, entry in enumerate(entries, 1):
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            found.problems.append(f"entry {e}: not an object with a list of changes")
            continue
        for c, change in enumerate(changes, 1):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                found.problems.append(f"entry {e} change {c}: no value object")
                continue
            _value(found, f"entry {e} change {c}", _Envelope(data, entry, change, value), lines)
    return found


@dataclass(frozen=True)
class _Envelope:
    body: dict[str, Any]
    entry: dict[str, Any]
    change: dict[str, Any]
    value: dict[str, Any]

    def alone(self, kind: str, part: dict[str, Any], contacts: list[Any]) -> str:
        """A body holding only this message or status (and its sender's contact): it parses alone."""
        metadata: dict[str, Any] = self.value["metadata"]  # a dict: `_value` only splits our number's
        value = {"messaging_product": _scalar(self.value.get("messaging_product")),
                 "metadata": {k: _scalar(v) for k, v in metadata.items()},
                 "contacts": contacts, kind: [part]}
        return json.dumps({"object": _scalar(self.body.get("object")), "entry": [{
            "id": _scalar(self.entry.get("id")), "changes": [{"field": _scalar(self.change.get("field")),
                                                               "value": value}]}]})


def _value(found: Split, where: str, envelope: _Envelope, lines: frozenset[str]) -> None:
    value = envelope.value
    metadata = value.get("metadata")
    messages, statuses = value.get("messages") or [], value.get("statuses") or []
    if not isinstance(metadata, dict) or str(metadata.get("phone_number_id", "")) not in lines:
        found.foreign += sum(len(p) for p in (messages, statuses) if isinstance(p, list))
        return  # another number's, or no messages at all (account and template updates)
    contacts = [c for c in value.get("contacts") or () if isinstance(c, dict)] \
        if isinstance(value.get("contacts"), list) else []
    for kind, parts in (("messages", messages), ("statuses", statuses)):
        if not isinstance(parts, list):
            found.problems.append(f"{where}: {kind} is not a list")
            continue
        for n, part in enumerate(parts, 1):
            at = f"{where} {kind[:-1] if kind == 'messages' else 'status'} {n}"
            keyed = _message_key(part) if kind == "messages" else _status_key(part)
            if isinstance(keyed, str):
                found.problems.append(f"{at}: {keyed}")
                continue
            key, sender = keyed
            own = [c for c in contacts if c.get("wa_id") == part.get("from")] if kind == "messages" else []
            if _deeper_than([part, own], MAX_DEPTH):
                found.problems.append(f"{at}: nested too deeply")
                continue
            found.updates.append(RawUpdate(key, sender, envelope.alone(kind, part, own)))


def _message_key(message: Any) -> tuple[str, str] | str:
    """(inbox key, sender) of a message, or why it has none."""
    if not isinstance(message, dict):
        return "not an object"
    wamid, sender = message.get("id"), message.get("from")
    if not (isinstance(wamid, str) and _ID.fullmatch(wamid)):
        return "no usable id"
    if not (isinstance(sender, str) and 0 < len(clean(sender)) <= MAX_SENDER):
        return "no usable sender"
    return wamid, clean(sender)


def _status_key(status: Any) -> tuple[str, str] | str:
    """(inbox key, recipient) of a delivery status of ours, or why it has none."""
    if not isinstance(status, dict):
        return "not an object"
    wamid, state, recipient = status.get("id"), status.get("status"), status.get("recipient_id")
    if not (isinstance(wamid, str) and _ID.fullmatch(wamid)):
        return "no usable id"
    if not (isinstance(state, str) and _STATUS.fullmatch(state)):
        return "no usable status"
    return f"status:{wamid}:{state}", clean(recipient)[:MAX_SENDER] if isinstance(recipient, str) else ""


def _scalar(value: Any) -> str | int | float | bool | None:
    """An envelope field as it is, when it is a plain value (nothing nested is copied into each update)."""
    return value if value is None or isinstance(value, str | int | float | bool) else None


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests more than `limit` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False
