"""The Bot API method table, with the bot, chat, update, webhook, file and command methods."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import editing, sending
from .rules import DOWNLOAD_MAX, SECRET_RE, bad_request
from .updates import Webhook
from .wire import Params

if TYPE_CHECKING:
    from .simulator import TelegramSimulator


@dataclass
class Described:
    """A result that Telegram answers with a ``description`` too (setWebhook, deleteWebhook)."""

    result: Any
    description: str


async def get_me(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    return {
        **sim.bot_user.to_dict(),
        "can_join_groups": True,
        "can_read_all_group_messages": not sim.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(sim: TelegramSimulator, p: Params) -> list[dict[str, Any]]:
    limit = p.int("limit", default=100) or 100
    timeout = p.float("timeout") or 0.0
    allowed = p.json("allowed_updates", "allowed updates JSON array")
    return await sim.updates.get_updates(
        p.int("offset", default=0) or 0, max(1, min(limit, 100)), max(0.0, timeout), allowed
    )


async def set_webhook(sim: TelegramSimulator, p: Params) -> Described:
    url = p.str("url") or ""
    if not url:
        return await delete_webhook(sim, p)
    parts = urlsplit(url)
    if parts.scheme != "https" and not (sim.allow_http_webhooks and parts.scheme == "http"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if not parts.hostname:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = p.str("secret_token")
    if secret is not None and not SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = p.json("allowed_updates", "allowed updates JSON array")
    if allowed is not None:
        sim.updates.allowed = frozenset(allowed) if allowed else sim.updates.allowed
    if p.bool("drop_pending_updates"):
        sim.updates.drop_pending()
    sim.updates.set_webhook(
        Webhook(url=url, secret_token=secret, max_connections=p.int("max_connections", default=40) or 40)
    )
    return Described(True, "Webhook was set")


async def delete_webhook(sim: TelegramSimulator, p: Params) -> Described:
    if p.bool("drop_pending_updates"):
        sim.updates.drop_pending()
    if sim.updates.webhook is None:
        return Described(True, "Webhook is already deleted")
    await sim.updates.delete_webhook()
    return Described(True, "Webhook was deleted")


async def get_webhook_info(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    hook = sim.updates.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(sim.updates.pending),
    }
    if hook:
        info["max_connections"] = hook.max_connections
        info["allowed_updates"] = sorted(sim.updates.allowed)
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info


async def get_chat(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    chat = sim.resolve_chat(p.chat_id())
    return {
        **chat.to_dict(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
        },
    }


ADMIN_RIGHTS = dict.fromkeys(
    (
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_change_info",
        "can_invite_users",
        "can_pin_messages",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
    ),
    True,
)


async def get_chat_member(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    chat = sim.resolve_chat(p.chat_id())
    user_id = p.int("user_id", required=True)
    if user_id == sim.bot_user.user_id:
        person, status = sim.bot_user, chat.bot_status
    elif user_id in sim.people:
        person = sim.people[user_id]
        status = "member" if (user_id in chat.members or (chat.user is person)) else "left"
    else:
        raise bad_request("PARTICIPANT_ID_INVALID")
    member: dict[str, Any] = {"user": person.to_dict(), "status": status}
    if status == "administrator":
        member.update(ADMIN_RIGHTS, can_be_edited=False, is_anonymous=False, can_promote_members=False)
    if status == "kicked":
        member["until_date"] = 0
    return member


COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


async def set_my_commands(sim: TelegramSimulator, p: Params) -> bool:
    commands = p.json("commands", "commands JSON array")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON array")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND_RE.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request(
                "BOT_COMMAND_DESCRIPTION_INVALID" if command.get("description") else "command description is empty"
            )
    sim.commands[_scope_key(p)] = [{"command": c["command"], "description": c["description"]} for c in commands]
    return True


def _scope_key(p: Params) -> str:
    scope = p.json("scope", "scope JSON object") or {"type": "default"}
    return f"{scope.get('type')}:{scope.get('chat_id', '')}:{scope.get('user_id', '')}:{p.str('language_code') or ''}"


async def get_my_commands(sim: TelegramSimulator, p: Params) -> list[dict[str, Any]]:
    return sim.commands.get(_scope_key(p), [])


async def delete_my_commands(sim: TelegramSimulator, p: Params) -> bool:
    sim.commands.pop(_scope_key(p), None)
    return True


async def get_file(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    file = sim.files.get(p.str("file_id", required=True) or "")
    if len(file.data) > DOWNLOAD_MAX:
        raise bad_request("file is too big")
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": len(file.data),
        "file_path": file.file_path,
    }


async def harmless(sim: TelegramSimulator, p: Params) -> bool:
    return True


Method = Callable[["TelegramSimulator", Params], Awaitable[Any]]
METHODS: dict[str, Method] = {
    "getme": get_me,
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "getchat": get_chat,
    "getchatmember": get_chat_member,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "getfile": get_file,
    "close": harmless,
    "logout": harmless,
    **sending.METHODS,
    **editing.METHODS,
}
