"""A citizen's answer to a question from staff, relayed to Telegram: under the question, in the chat
that asked it, with its photo, voice note, video or document as itself (not a word about it)."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from telegram import ReplyParameters

from core.domain.people import mask_phones_in
from core.texts import text
from officer_bot import media
from officer_bot.card_data import TicketView, answered_question
from officer_bot.cards import Board, PostStep
from officer_bot.files import send_file
from officer_bot.render import FILE_KINDS, counted
from officer_bot.store import Card, question_asked

CAPTION_MAX = 1024
WORDS_MAX = 3500  # with the header, within one Telegram message (4,096)


async def where_asked(board: Board, view: TicketView, data: dict[str, Any], desk: Card) -> tuple[int, int]:
    """The chat and message to answer under: the question this answers, else the desk card."""
    asked = answered_question(view, data)
    found = await question_asked(board.ctx, view.ticket.id, str(asked.data.get("question", ""))) if asked else None
    return found or (desk.chat_id, desk.message_id)


async def relay_answer(board: Board, view: TicketView, data: dict[str, Any], desk: Card, step: PostStep) -> None:
    """The words, then each file as itself (one file carries the words as its caption), then a shared location."""
    chat_id, reply_to = await where_asked(board, view, data, desk)
    reply, tg, number = ReplyParameters(reply_to, allow_sending_without_reply=True), board.tg, view.ticket.number
    ids = {int(i) for i in data.get("attachment_ids") or ()}
    sent = [a for a in view.attachments if a.id in ids]
    lost = Counter(a.kind for a in sent if media.missing(a))
    shown = media.sendable([a for a in sent if a.kind in FILE_KINDS], board.media_dir)
    words = mask_phones_in(str(data.get("text", ""))[:WORDS_MAX])
    lines = [text("tg.reply.citizen_answer", number=number, text=words) if words or not shown else
             text("tg.reply.citizen_answer_files", number=number, items=counted(Counter(a.kind for a, _ in shown),
                                                                                  "id"))]
    if lost:  # the citizen was told staff know: say what is missing, so they can ask again
        lines.append(text("tg.card.media_failed", items=counted(lost, "id")))
    head = escape("\n".join(lines))
    if len(shown) == 1 and len(head) <= CAPTION_MAX:
        [(att, item)] = shown
        await step(lambda: send_file(tg, chat_id, media.file_name(number, att, 1), att, item, reply, head))
    else:
        await step(lambda: tg.send_text(chat_id, head, reply_to=reply_to))
        for index, (att, item) in enumerate(shown, start=1):
            name = media.file_name(number, att, index)
            await step(lambda att=att, item=item, name=name: send_file(  # type: ignore[misc]
                tg, chat_id, name, att, item, reply))
    if (place := next((a for a in sent if a.kind == "location"), None)) is not None:
        lat, _, lon = place.platform_ref.partition(",")
        await step(lambda: tg.call(chat_id, lambda bot, c: bot.send_location(
            c, float(lat), float(lon), reply_parameters=reply)))
