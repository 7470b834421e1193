"""send* methods: what the bot posts into chats."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from .formatting import parse_formatted, resolve_mentions
from .rules import (
    ALBUM_MAX,
    ALBUM_MIN,
    CHAT_ACTIONS,
    bad_request,
    check_caption,
    check_reply_markup,
    check_text,
)
from .wire import Params
from .world import SimChat, SimMessage

if TYPE_CHECKING:
    from .simulator import TelegramSimulator

_groups = itertools.count(13_000_000_000_000_000)


def reply_target(sim: TelegramSimulator, chat: SimChat, params: Params) -> SimMessage | None:
    reply = params.json("reply_parameters", "reply parameters JSON object")
    allow = params.bool("allow_sending_without_reply")
    if reply is None and "reply_to_message_id" in params:
        reply = {"message_id": params.int("reply_to_message_id")}
    if not reply:
        return None
    allow = bool(reply.get("allow_sending_without_reply", allow))
    target_chat = chat
    if reply.get("chat_id") not in (None, chat.id):
        target_chat = sim.resolve_chat(reply["chat_id"])
    message = target_chat.get(int(reply.get("message_id") or 0))
    if message is None and not allow:
        raise bad_request("message to be replied not found")
    return message


def post(sim: TelegramSimulator, chat: SimChat, params: Params, **fields: Any) -> dict[str, Any]:
    """Check the reply target and the flood limits, then post the bot's message."""
    target = reply_target(sim, chat, params)
    sim.limits.acquire(chat.id, chat.type)
    message = SimMessage(
        chat=chat,
        message_id=chat.next_message_id(),
        sender=sim.bot_user,
        date=int(sim.clock()),
        reply_to=target,
        **fields,
    )
    return chat.add(message).to_dict()


def formatted_caption(
    params: Params, caption: str | None = None, parse_mode: str | None = None, entities: Any = None
) -> tuple[str | None, list[dict[str, Any]]]:
    caption = caption if caption is not None else params.str("caption")
    if caption is None:
        return None, []
    plain, found = parse_formatted(
        caption, parse_mode or params.str("parse_mode"), entities or params.json("caption_entities")
    )
    check_caption(plain)
    return plain, found


async def send_message(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    chat = sim.resolve_chat(p.chat_id(), sending=True)
    text = p.str("text", required=True, empty="message text is empty") or ""
    plain, entities = parse_formatted(text, p.str("parse_mode"), p.json("entities"))
    check_text(plain)
    markup = check_reply_markup(p.json("reply_markup", "reply keyboard markup JSON object"))
    return post(sim, chat, p, text=plain, entities=resolve_mentions(entities, sim.people), reply_markup=markup)


async def send_photo(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    chat = sim.resolve_chat(p.chat_id(), sending=True)
    caption, entities = formatted_caption(p)
    markup = check_reply_markup(p.json("reply_markup", "reply keyboard markup JSON object"))
    photo = sim.files.from_param(p, "photo", "photos")
    return post(sim, chat, p, photo=photo, caption=caption, caption_entities=entities, reply_markup=markup)


async def send_voice(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    chat = sim.resolve_chat(p.chat_id(), sending=True)
    caption, entities = formatted_caption(p)
    markup = check_reply_markup(p.json("reply_markup", "reply keyboard markup JSON object"))
    voice = sim.files.from_param(p, "voice", "voice")
    voice.duration = p.int("duration", default=voice.duration) or 0
    return post(sim, chat, p, voice=voice, caption=caption, caption_entities=entities, reply_markup=markup)


async def send_document(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    chat = sim.resolve_chat(p.chat_id(), sending=True)
    caption, entities = formatted_caption(p)
    markup = check_reply_markup(p.json("reply_markup", "reply keyboard markup JSON object"))
    document = sim.files.from_param(p, "document", "documents")
    return post(sim, chat, p, document=document, caption=caption, caption_entities=entities, reply_markup=markup)


async def send_video(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    chat = sim.resolve_chat(p.chat_id(), sending=True)
    caption, entities = formatted_caption(p)
    markup = check_reply_markup(p.json("reply_markup", "reply keyboard markup JSON object"))
    video = sim.files.from_param(p, "video", "videos")
    video.duration = p.int("duration", default=video.duration) or 0
    return post(sim, chat, p, video=video, caption=caption, caption_entities=entities, reply_markup=markup)


async def send_location(sim: TelegramSimulator, p: Params) -> dict[str, Any]:
    chat = sim.resolve_chat(p.chat_id(), sending=True)
    lat, lon = p.float("latitude", required=True), p.float("longitude", required=True)
    assert lat is not None and lon is not None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong latitude/longitude specified")
    markup = check_reply_markup(p.json("reply_markup", "reply keyboard markup JSON object"))
    return post(sim, chat, p, location=(lat, lon), reply_markup=markup)


async def send_media_group(sim: TelegramSimulator, p: Params) -> list[dict[str, Any]]:
    chat = sim.resolve_chat(p.chat_id(), sending=True)
    media = p.json("media", "media JSON array")
    if not isinstance(media, list) or not ALBUM_MIN <= len(media) <= ALBUM_MAX:
        raise bad_request("wrong number of media in the album: must contain 2-10 items")
    kinds = {item.get("type") if isinstance(item, dict) else None for item in media}
    if not kinds <= {"photo", "video", "document", "audio"} or ("document" in kinds and len(kinds) > 1):
        raise bad_request("MEDIA_INVALID")
    prepared = []
    for item in media:
        if item["type"] not in ("photo", "document"):
            raise bad_request(f"the simulator does not support {item['type']} in albums")
        kind = "photos" if item["type"] == "photo" else "documents"
        caption, entities = formatted_caption(
            p, item.get("caption") or "", item.get("parse_mode"), item.get("caption_entities")
        )
        file = sim.files.from_param(p, "media", kind, value=str(item.get("media") or ""))
        prepared.append((kind, file, caption or None, entities))
    target = reply_target(sim, chat, p)
    sim.limits.acquire(chat.id, chat.type, count=len(prepared))
    group_id = str(next(_groups))
    messages = []
    for kind, file, caption, entities in prepared:
        fields = {"photo": file} if kind == "photos" else {"document": file}
        message = SimMessage(
            chat=chat,
            message_id=chat.next_message_id(),
            sender=sim.bot_user,
            date=int(sim.clock()),
            reply_to=target,
            caption=caption,
            caption_entities=entities,
            media_group_id=group_id,
            **fields,
        )
        messages.append(chat.add(message).to_dict())
    return messages


async def send_chat_action(sim: TelegramSimulator, p: Params) -> bool:
    chat = sim.resolve_chat(p.chat_id(), sending=True)
    action = p.str("action", required=True)
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    sim.chat_actions.append((chat.id, action))
    return True


METHODS = {
    "sendmessage": send_message,
    "sendphoto": send_photo,
    "sendvoice": send_voice,
    "senddocument": send_document,
    "sendvideo": send_video,
    "sendlocation": send_location,
    "sendmediagroup": send_media_group,
    "sendchataction": send_chat_action,
}
