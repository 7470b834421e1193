"""edit*, deleteMessage and answerCallbackQuery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .formatting import parse_formatted, resolve_mentions
from .rules import (
    CALLBACK_ANSWER_MAX,
    DELETE_WINDOW,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    bad_request,
    check_caption,
    check_reply_markup,
    check_text,
)
from .wire import Params
from .world import SimMessage

if TYPE_CHECKING:
    from .simulator import TelegramSimulator


def editable(sim: TelegramSimulator, p: Params) -> SimMessage:
    if "inline_message_id" in p:
        raise bad_request("MESSAGE_ID_INVALID")
    chat = sim.resolve_chat(p.chat_id())
    message = chat.get(p.int("message_id", required=True) or 0)
    if message is None:
        raise bad_request("message to edit not found")
    if message.sender is not sim.bot_user:
        raise bad_request("message can't be edited")
    return message


def new_markup(p: Params) -> dict[str, Any] | None:
    return check_reply_markup(p.json("reply_markup", "reply keyboard markup JSON object"), inline_only=True)


def apply(sim: TelegramSimulator, message: SimMessage, changes: dict[str, Any]) -> dict[str, Any]:
    if all(getattr(message, k) == v for k, v in changes.items()):
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        setattr(message, key, value)
    message.edit_date = int(sim.clock())
    sim.changes.notify()
    return message.to_dict()


async def edit_message_text(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    message = editable(sim, p)
    text = p.str("text", required=True, empty="message text is empty") or ""
    plain, entities = parse_formatted(text, p.str("parse_mode"), p.json("entities"))
    check_text(plain)
    markup = new_markup(p)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    return apply(sim, message, {"text": plain, "entities": resolve_mentions(entities, sim.people),
                                "reply_markup": markup})


async def edit_message_caption(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    message = editable(sim, p)
    caption = p.str("caption")
    plain, entities = parse_formatted(caption or "", p.str("parse_mode"), p.json("caption_entities"))
    check_caption(plain)
    markup = new_markup(p)
    if message.text is not None or message.location is not None:
        raise bad_request("there is no caption in the message to edit")
    return apply(sim, message, {"caption": plain or None, "caption_entities": entities, "reply_markup": markup})


async def edit_message_reply_markup(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    message = editable(sim, p)
    return apply(sim, message, {"reply_markup": new_markup(p)})


async def delete_message(sim: TelegramSimulator, p: Params) -> bool:
    chat = sim.resolve_chat(p.chat_id())
    message = chat.get(p.int("message_id", required=True) or 0)
    if message is None:
        raise bad_request("message to delete not found")
    too_old = sim.clock() - message.date > DELETE_WINDOW
    others_in_group = message.sender is not sim.bot_user and not chat.is_private
    if too_old or (others_in_group and chat.bot_status != "administrator"):
        raise bad_request("message can't be deleted")
    message.deleted = True
    sim.changes.notify()
    return True


async def answer_callback_query(sim: TelegramSimulator, p: Params) -> bool:
    query_id = p.str("callback_query_id", required=True) or ""
    text = p.str("text")
    if text is not None and len(text) > CALLBACK_ANSWER_MAX:
        raise bad_request("MESSAGE_TOO_LONG")
    pending = sim.callbacks.get(query_id)
    if pending is None or pending.answer is not None or sim.clock() - pending.created > sim.callback_timeout:
        raise bad_request(QUERY_TOO_OLD)
    pending.resolve(
        text=text, show_alert=p.bool("show_alert"), url=p.str("url"), cache_time=p.int("cache_time", default=0) or 0
    )
    sim.changes.notify()
    return True


METHODS = {
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
}
