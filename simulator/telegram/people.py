"""Simulated Telegram users: what they type, send, share and tap."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .formatting import detect_entities
from .world import Person, SimChat, SimMessage

if TYPE_CHECKING:
    from .simulator import TelegramSimulator

_albums = itertools.count(14_000_000_000_000_000)


class SimulationError(AssertionError):
    """Something a real user could not do (tap a button that is not there, write where they are not)."""


@dataclass(frozen=True)
class CallbackAnswer:
    text: str | None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@dataclass(eq=False)
class PendingCallback:
    """A button tap (callback query) waiting for the bot's answerCallbackQuery."""

    id: str
    user: SimUser
    message: SimMessage
    data: str
    created: float
    answer: CallbackAnswer | None = None
    _future: asyncio.Future[CallbackAnswer] | None = field(default=None, repr=False)

    def resolve(self, **answer: Any) -> None:
        self.answer = CallbackAnswer(**answer)
        self.user.callback_answers.append(self.answer)
        if self._future is not None and not self._future.done():
            self._future.set_result(self.answer)

    async def answered(self, timeout: float = 5) -> CallbackAnswer:
        if self.answer is not None:
            return self.answer
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.shield(self._future)
        except TimeoutError:
            raise TimeoutError(f"the bot did not answer the tap on {self.data!r} within {timeout}s") from None


class SimUser(Person):
    def __init__(
        self,
        sim: TelegramSimulator,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
    ) -> None:
        super().__init__(user_id, first_name, last_name, username, False, language_code)
        self.sim = sim
        self.started = True
        self.blocked_bot = False
        self.callback_answers: list[CallbackAnswer] = []

    def __repr__(self) -> str:
        return f"<SimUser {self.user_id} {self.first_name!r}>"

    @property
    def private_chat(self) -> SimChat:
        return self.sim.chats[self.user_id]

    def _enter(self, chat: SimChat) -> None:
        if chat.is_private:
            if chat.user is not self:
                raise SimulationError(f"{self.first_name} cannot write in {chat.title!r}'s private chat")
            self.started, self.blocked_bot = True, False
        else:
            if self.sim.chats.get(chat.id) is not chat:
                raise SimulationError(f"{chat!r} no longer exists (migrated?)")
            chat.members.setdefault(self.user_id, self)

    async def _post(self, chat: SimChat, reply_to: SimMessage | None = None, **fields: Any) -> SimMessage:
        self._enter(chat)
        if reply_to is not None and chat.get(reply_to.message_id) is not reply_to:
            raise SimulationError(f"{reply_to!r} is not in {chat!r} any more")
        message = SimMessage(
            chat=chat,
            message_id=chat.next_message_id(),
            sender=self,
            date=int(self.sim.clock()),
            reply_to=reply_to,
            **fields,
        )
        chat.add(message)
        self.sim.deliver(message)
        return message

    async def sends(self, chat: SimChat, text: str, reply_to: SimMessage | None = None) -> SimMessage:
        """Type a text (or a /command, or a mention) into a chat."""
        return await self._post(chat, reply_to, text=text, entities=detect_entities(text))

    async def replies(self, chat: SimChat, to: SimMessage, text: str) -> SimMessage:
        return await self.sends(chat, text, reply_to=to)

    async def sends_photo(
        self, chat: SimChat, data: bytes, caption: str | None = None, reply_to: SimMessage | None = None
    ) -> SimMessage:
        photo = self.sim.files.add(data, "photos", "image/jpeg")
        entities = detect_entities(caption) if caption else []
        return await self._post(chat, reply_to, photo=photo, caption=caption, caption_entities=entities)

    async def sends_album(
        self, chat: SimChat, photos: list[bytes], caption: str | None = None, reply_to: SimMessage | None = None
    ) -> list[SimMessage]:
        """2-10 photos sent together: separate messages sharing one media_group_id."""
        if not 2 <= len(photos) <= 10:
            raise SimulationError("an album holds 2 to 10 items")
        group = str(next(_albums))
        sent = []
        for i, data in enumerate(photos):
            photo = self.sim.files.add(data, "photos", "image/jpeg")
            text = caption if i == 0 else None
            sent.append(
                await self._post(
                    chat,
                    reply_to,
                    photo=photo,
                    caption=text,
                    media_group_id=group,
                    caption_entities=detect_entities(text) if text else [],
                )
            )
        return sent

    async def sends_voice(
        self, chat: SimChat, data: bytes, duration: int = 3, reply_to: SimMessage | None = None
    ) -> SimMessage:
        voice = self.sim.files.add(data, "voice", "audio/ogg", duration=duration)
        return await self._post(chat, reply_to, voice=voice)

    async def sends_document(
        self,
        chat: SimChat,
        data: bytes,
        file_name: str,
        mime_type: str = "application/pdf",
        reply_to: SimMessage | None = None,
    ) -> SimMessage:
        document = self.sim.files.add(data, "documents", mime_type, file_name)
        return await self._post(chat, reply_to, document=document)

    async def shares_location(
        self, chat: SimChat, latitude: float, longitude: float, reply_to: SimMessage | None = None,
        live_period: int | None = None,
    ) -> SimMessage:
        """A location, or with `live_period` (60-86400 s, or 0x7FFFFFFF: until stopped) a live one."""
        if live_period is not None and not (60 <= live_period <= 86400 or live_period == 0x7FFFFFFF):
            raise ValueError("live_period must be 60-86400 seconds, or 0x7FFFFFFF")
        return await self._post(chat, reply_to, location=(latitude, longitude), live_period=live_period)

    def tap(self, message: SimMessage, button_text: str) -> PendingCallback:
        """Tap an inline button by its text, only if it is on that message now; don't wait."""
        chat = message.chat
        if chat.get(message.message_id) is not message:
            raise SimulationError(f"{message!r} is not in {chat!r} any more")
        button = message.button(button_text)
        if button is None:
            shown = [b.text for row in message.buttons for b in row]
            raise SimulationError(f"no button {button_text!r} on {message!r}; it shows {shown}")
        if button.callback_data is None:
            raise SimulationError(f"button {button_text!r} opens {button.url!r}, it sends no callback")
        return self.taps_data(message, button.callback_data)

    def taps_data(self, message: SimMessage, data: str) -> PendingCallback:
        """A callback query with any ``data`` on a message: what a client showing stale buttons, or a bad
        client, sends (Telegram's docs warn that callback_data can be arbitrary); don't wait."""
        chat = message.chat
        if chat.get(message.message_id) is not message:
            raise SimulationError(f"{message!r} is not in {chat!r} any more")
        self._enter(chat)
        pending = PendingCallback(
            id=str(secrets.randbits(62)),
            user=self,
            message=message,
            data=data,
            created=self.sim.clock(),
        )
        self.sim.callbacks[pending.id] = pending
        self.sim.updates.add(
            "callback_query",
            {
                "id": pending.id,
                "from": self.to_dict(),
                "message": message.to_dict(),
                "chat_instance": str(abs(hash((chat.id, self.sim.token))) % 10**18),
                "data": pending.data,
            },
        )
        return pending

    async def taps(self, message: SimMessage, button_text: str, timeout: float = 5) -> CallbackAnswer:
        """Tap an inline button and wait for the bot's callback answer."""
        return await self.tap(message, button_text).answered(timeout)

    def blocks_bot(self) -> None:
        self.blocked_bot = True
