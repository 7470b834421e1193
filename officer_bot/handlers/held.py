"""Reports held over a citizen's daily limit: the desk's notice, and its "Kirim sekarang" button."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from core.db.ids import MAX_ID
from core.domain.errors import Refused
from core.domain.people import mask_phones_in
from core.texts import clip, refusal, text
from core.usecases.held import release_held
from core.usecases.staff import staff_actor
from officer_bot.cards import Board, PostStep
from officer_bot.handlers.common import Deps, OfficerContext
from officer_bot.render import category_label

log = logging.getLogger(__name__)
OP = "hf"  # file a held report now; the only callback this module answers
PATTERN = rf"^{OP}:\d{{1,10}}$"
DESCRIPTION_MAX = 400


def notice_text(board: Board, data: dict[str, Any], locale: str = "id") -> str:
    """The desk's notice of a held report (HTML): who (masked or anonim), what, where, and when it goes."""
    who = str(data.get("reporter") or "") or text("tg.card.anonymous", locale)
    category = data.get("category")
    lines = [f"<b>{escape(text('tg.reply.held_title', locale, limit=data.get('limit', '?')))}</b>",
             escape(text("tg.card.reporter", locale, who=who)),
             escape(text("tg.card.category", locale,
                         category=category_label(board.ctx, str(category) if category else None, locale))),
             escape(text("tg.card.desa", locale, desa=data.get("desa") or text("tg.card.no_desa", locale)))]
    description = str(data.get("description") or "")
    if description:
        lines.append(f"<i>{escape(clip(mask_phones_in(description).strip(), DESCRIPTION_MAX))}</i>")
    lines.append(escape(text("tg.reply.held_footer", locale)))
    return "\n".join(lines)


def notice_keyboard(held_id: int, locale: str = "id") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text("tg.button.held_file", locale),
                                                       callback_data=f"{OP}:{held_id}")]])


async def post_notice(board: Board, data: dict[str, Any], step: PostStep) -> None:
    """Post the notice of an outbox `report.held` row in the desk chat."""
    chat = await board.home("desk")
    body, keyboard = notice_text(board, data), notice_keyboard(int(data["held_id"]))
    await step(lambda: board.tg.send_text(chat, body, keyboard))


async def on_tap(update: Update, context: OfficerContext) -> None:
    """"Kirim sekarang": lift the limit for this report, file it, and answer the tap whatever happens."""
    query = update.callback_query
    if query is None:
        return
    d = context.deps
    said, filed = await file_now(d, query.from_user.id, str(query.data or ""))
    if filed and query.message is not None:
        try:
            await d.tg.edit_markup(query.message.chat.id, query.message.message_id, None)
        except Exception:
            log.info("could not take the button off a held report's notice", exc_info=True)
    await query.answer(said[:200])


async def file_now(d: Deps, user_id: int, data: str) -> tuple[str, bool]:
    """What to answer the tap, and whether the report is filed now (by this tap or before it)."""
    held_id = int(data.partition(":")[2] or 0)
    if not 0 < held_id <= MAX_ID:
        return text("tg.answer.unknown"), False
    try:
        filed = await release_held(d.ctx, await staff_actor(d.ctx, user_id), held_id)
    except Refused as exc:
        return refusal(exc), False
    except Exception:
        log.exception("filing a held report failed", extra={"held_id": held_id})
        return text("tg.answer.failed"), False
    return text("tg.answer.held_already" if filed.already else "tg.answer.held_filed", number=filed.number), True


HANDLER = CallbackQueryHandler(on_tap, pattern=PATTERN)
