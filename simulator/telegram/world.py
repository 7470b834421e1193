"""State of the simulated Telegram: people, chats, messages, files; and change notification."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .simulator import TelegramSimulator

T = TypeVar("T")


class Notifier:
    """Wakes every waiter on each change: event-driven waiting, no polling sleeps."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()
        self._listeners: list[Callable[[], None]] = []

    def notify(self) -> None:
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        self._waiters.clear()
        for listener in list(self._listeners):
            listener()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` on every change (it must not block); returns the function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    async def wait_until(self, check: Callable[[], T], timeout: float) -> T:
        """Return ``check()`` once it is truthy; raise TimeoutError after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                result = check()
                if result:
                    return result
                fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters.add(fut)
                try:
                    await fut
                finally:
                    self._waiters.discard(fut)


@dataclass(eq=False)
class Person:
    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False
    language_code: str | None = "id"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user_id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass(eq=False)
class SimFile:
    file_id: str
    file_unique_id: str
    data: bytes
    kind: str  # photos, voice, documents, videos
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(eq=False)
class SimMessage:
    chat: SimChat
    message_id: int
    sender: Person
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    photo: SimFile | None = None
    voice: SimFile | None = None
    document: SimFile | None = None
    video: SimFile | None = None
    location: tuple[float, float] | None = None
    live_period: int | None = None  # seconds a live location is shared for (Bot API Location.live_period)
    media_group_id: str | None = None
    reply_to: SimMessage | None = None
    reply_markup: dict[str, Any] | None = None
    edit_date: int | None = None
    deleted: bool = False
    service: dict[str, Any] = field(default_factory=dict)

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def buttons(self) -> list[list[Button]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[Button(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in rows]

    def button(self, text: str) -> Button | None:
        return next((b for row in self.buttons for b in row if b.text == text), None)

    @property
    def photo_bytes(self) -> bytes | None:
        return self.photo.data if self.photo else None

    @property
    def photos(self) -> list[bytes]:
        return [self.photo.data] if self.photo else []

    @property
    def content(self) -> str | None:
        """Text or caption, whichever the message has."""
        return self.text if self.text is not None else self.caption

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else self.sender.first_name
        body = self.content if self.content is not None else ("<photo>" if self.photo else "<media>")
        labels = [b.text for row in self.buttons for b in row]
        return f"<{who} #{self.message_id} in {self.chat.title!r}: {body!r}{' ' + str(labels) if labels else ''}>"

    def to_dict(self, nested: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender.to_dict(),
            "chat": self.chat.to_dict(),
            "date": self.date,
        }
        if self.edit_date:
            data["edit_date"] = self.edit_date
        if self.media_group_id:
            data["media_group_id"] = self.media_group_id
        if self.reply_to is not None and nested:
            data["reply_to_message"] = self.reply_to.to_dict(nested=False)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.photo:
            f = self.photo
            data["photo"] = [
                {
                    "file_id": f.file_id,
                    "file_unique_id": f.file_unique_id,
                    "file_size": len(f.data),
                    "width": f.width,
                    "height": f.height,
                }
            ]
        if self.voice:
            f = self.voice
            data["voice"] = {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "duration": f.duration,
                "mime_type": f.mime_type or "audio/ogg",
                "file_size": len(f.data),
            }
        if self.document:
            f = self.document
            data["document"] = {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "file_name": f.file_name,
                "mime_type": f.mime_type,
                "file_size": len(f.data),
            }
        if self.video:
            f = self.video
            data["video"] = {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "width": f.width,
                "height": f.height,
                "duration": f.duration,
                "mime_type": f.mime_type or "video/mp4",
                "file_size": len(f.data),
            }
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        if self.location:
            data["location"] = {"latitude": self.location[0], "longitude": self.location[1]}
            if self.live_period is not None:
                data["location"]["live_period"] = self.live_period
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        data.update(self.service)
        return data


class SimChat:
    def __init__(
        self, sim: TelegramSimulator, chat_id: int, chat_type: str, title: str, user: Person | None = None
    ) -> None:
        self.sim = sim
        self.id = chat_id
        self.type = chat_type
        self.title = title
        self.user = user
        self.bot_status = "member"  # member, administrator, left, kicked
        self.members: dict[int, Person] = {}
        self._messages: dict[int, SimMessage] = {}
        self._ids = itertools.count(1)
        self.migrated_from: int | None = None

    def __repr__(self) -> str:
        return f"<SimChat {self.id} {self.type} {self.title!r}>"

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def to_dict(self) -> dict[str, Any]:
        if self.user is not None:
            data = {"id": self.id, "type": "private"}
            data.update({k: v for k, v in self.user.to_dict().items() if k in ("first_name", "last_name", "username")})
            return data
        return {"id": self.id, "title": self.title, "type": self.type}

    def next_message_id(self) -> int:
        return next(self._ids)

    def add(self, message: SimMessage) -> SimMessage:
        self._messages[message.message_id] = message
        self.sim.changes.notify()
        return message

    def get(self, message_id: int) -> SimMessage | None:
        message = self._messages.get(message_id)
        return None if message is None or message.deleted else message

    @property
    def messages(self) -> list[SimMessage]:
        """Messages as the chat shows them now: edits applied, deleted ones gone."""
        return [m for m in self._messages.values() if not m.deleted]

    @property
    def bot_messages(self) -> list[SimMessage]:
        return [m for m in self.messages if m.from_bot]

    async def wait_for(self, predicate: Callable[[SimMessage], Any], timeout: float = 5) -> SimMessage:
        """The first current message for which ``predicate`` is true, waiting for it (or an edit)."""

        def check() -> SimMessage | None:
            return next((m for m in self.messages if predicate(m)), None)

        try:
            return await self.sim.changes.wait_until(check, timeout)
        except TimeoutError:
            raise TimeoutError(f"no matching message in {self!r} after {timeout}s; it shows {self.messages}") from None

    async def wait_for_bot_message(self, timeout: float = 5, after: int = 0) -> SimMessage:
        return await self.wait_for(lambda m: m.from_bot and m.message_id > after, timeout)
