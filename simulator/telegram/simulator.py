"""TelegramSimulator: the simulated Telegram that a real Bot API client talks to."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import httpx

from ..faults import ApiFaults, FaultPlan
from .media import FileStore
from .people import PendingCallback, SimUser
from .ratelimit import RateLimits
from .rules import bad_request, forbidden
from .updates import UpdateQueue
from .world import Notifier, Person, SimChat, SimMessage

SERVICE_USER = Person(777000, "Telegram")


class TelegramSimulator(ApiFaults):
    def __init__(
        self,
        token: str = "123:ABC",
        bot_username: str = "LaporCamatBot",
        clock: Callable[[], float] | None = None,
        per_bot_per_second: int | None = 30,
        per_group_per_minute: int | None = 20,
        per_private_per_second: int | None = 1,
        privacy_mode: bool = True,
        bot_name: str = "Lapor Camat",
        callback_timeout: float = 15.0,
        allow_http_webhooks: bool = False,
    ) -> None:
        self.token = token
        self.clock: Callable[[], float] = clock or time.time
        self.bot_user = Person(int(token.split(":", 1)[0]), bot_name, username=bot_username, is_bot=True)
        self.privacy_mode = privacy_mode
        self.callback_timeout = callback_timeout
        self.allow_http_webhooks = allow_http_webhooks
        self.limits = RateLimits(self.clock, per_bot_per_second, per_group_per_minute, per_private_per_second)
        self.changes = Notifier()
        self.files = FileStore(self)
        self.updates = UpdateQueue(self)
        self.chats: dict[int, SimChat] = {}
        self.people: dict[int, SimUser] = {}
        self.migrated: dict[int, int] = {}
        self.callbacks: dict[str, PendingCallback] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.transcript: list[dict[str, Any]] = []
        self.base_url = "http://telegram.sim"
        self.webhook_transport: httpx.AsyncBaseTransport | None = None
        self.webhook_retry_delay = 0.05
        self._group_ids = itertools.count(4_100_000_001)
        self._channel_ids = itertools.count(2_100_000_001)
        self._user_ids = itertools.count(5_000_000_001)
        self._app: Any = None
        self.fault_plan: FaultPlan | None = None  # set by api_faults(): API calls that fail

    # -- setting up the world ---------------------------------------------------------------

    @property
    def app(self) -> Any:
        """The Starlette ASGI app: ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``."""
        if self._app is None:
            from .app import build_app

            self._app = build_app(self)
        return self._app

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    def user(
        self,
        first_name: str,
        user_id: int | None = None,
        username: str | None = None,
        last_name: str | None = None,
        started: bool = True,
        language_code: str | None = "id",
    ) -> SimUser:
        """A Telegram user with a private chat with the bot (``started`` = has pressed Start)."""
        user = SimUser(self, user_id or next(self._user_ids), first_name, last_name, username, language_code)
        user.started = started
        self.people[user.user_id] = user
        self.chats[user.user_id] = SimChat(self, user.user_id, "private", first_name, user=user)
        return user

    def group(
        self,
        title: str,
        chat_id: int | None = None,
        supergroup: bool = False,
        bot_member: bool = True,
        bot_admin: bool = False,
        members: tuple[SimUser, ...] | list[SimUser] = (),
    ) -> SimChat:
        if chat_id is None:
            chat_id = -(10**12 + next(self._channel_ids)) if supergroup else -next(self._group_ids)
        chat = SimChat(self, chat_id, "supergroup" if supergroup else "group", title)
        chat.bot_status = ("administrator" if bot_admin else "member") if bot_member else "left"
        for member in members:
            chat.members[member.user_id] = member
        self.chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> SimChat:
        return self.chats[self.migrated.get(chat_id, chat_id)]

    def remove_bot(self, chat: SimChat, kicked: bool = True) -> None:
        chat.bot_status = "kicked" if kicked else "left"

    # -- rules used by the methods ----------------------------------------------------------

    def resolve_chat(self, chat_id: int | str, sending: bool = False) -> SimChat:
        if isinstance(chat_id, str):
            raise bad_request("chat not found")
        if chat_id in self.migrated:
            raise bad_request(
                "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": self.migrated[chat_id]}
            )
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.is_private:
            assert isinstance(chat.user, SimUser)
            if chat.user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if sending and not chat.user.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        elif chat.bot_status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def bot_receives(self, message: SimMessage) -> bool:
        """Privacy mode: in groups only commands, mentions and replies to the bot reach it."""
        chat = message.chat
        if chat.is_private:
            return not message.sender.is_bot
        if chat.bot_status not in ("member", "administrator"):
            return False
        if not self.privacy_mode or chat.bot_status == "administrator" or message.service:
            return True
        if message.reply_to is not None and message.reply_to.sender is self.bot_user:
            return True
        from .formatting import entity_text

        text = message.content or ""
        me = f"@{self.bot_user.username}".lower()
        for entity in message.entities or message.caption_entities:
            word = entity_text(text, entity).lower()
            if entity["type"] == "mention" and word == me:
                return True
            if entity["type"] == "bot_command" and ("@" not in word or word.endswith(me)):
                return True
        return False

    def deliver(self, message: SimMessage) -> None:
        if self.bot_receives(message):
            self.updates.add("message", message.to_dict())

    def unanswered_callbacks(self) -> list[PendingCallback]:
        return [c for c in self.callbacks.values() if c.answer is None]

    async def migrate_to_supergroup(self, group: SimChat) -> SimChat:
        """Upgrade a group to a supergroup: new -100… id; the old id answers with migrate_to_chat_id."""
        if group.type != "group":
            raise ValueError(f"{group!r} is not a basic group")
        old_id, new_id = group.id, -(10**12 + next(self._channel_ids))
        actor = next(iter(group.members.values()), SERVICE_USER)
        date = int(self.clock())
        old_service = {
            "message_id": group.next_message_id(),
            "from": actor.to_dict(),
            "chat": group.to_dict(),
            "date": date,
            "migrate_to_chat_id": new_id,
        }
        del self.chats[old_id]
        group.id, group.type, group.migrated_from = new_id, "supergroup", old_id
        self.chats[new_id] = group
        self.migrated[old_id] = new_id
        if group.bot_status in ("member", "administrator"):
            self.updates.add("message", old_service)
            self.deliver(
                group.add(
                    SimMessage(
                        chat=group,
                        message_id=group.next_message_id(),
                        sender=SERVICE_USER,
                        date=date,
                        service={"migrate_from_chat_id": old_id},
                    )
                )
            )
        self.changes.notify()
        return group

    # -- transcript and lifecycle -----------------------------------------------------------

    def record(self, method: str, params: dict[str, Any], status: int, answer: Any) -> None:
        self.transcript.append(
            {"at": self.clock(), "method": method, "params": params, "status": status, "answer": answer}
        )

    def dump_transcript(self, last: int = 50) -> str:
        return "\n".join(f"{e['method']} {e['params']} -> {e['status']} {e['answer']}" for e in self.transcript[-last:])

    async def aclose(self) -> None:
        await self.updates.stop()

    async def __aenter__(self) -> TelegramSimulator:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
