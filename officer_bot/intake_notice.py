"""The desk's notice about a citizen's message the reporter bot could not process (`intake.failed`).

The citizen was told "akan diperiksa petugas"; this is how staff learn of it: the ticket's number when
the citizen has an open one (then never the number), else the masked number, and what the message said.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from core.context import Context
from core.texts import messages, text, when
from officer_bot.cards import Board, PostStep


def intake_failed_text(ctx: Context, data: dict[str, Any], locale: str = "id") -> str:
    """The notice in plain words and the kecamatan's time."""
    try:
        received = when(datetime.fromisoformat(str(data.get("received_at"))), ctx.now(), ctx.profile.zone, locale)
    except ValueError:
        received = "-"
    if data.get("number"):
        head = text("tg.intake.failed_ticket", locale, number=data["number"], when=received)
    else:
        head = text("tg.intake.failed_citizen", locale, phone=data.get("phone") or "-", when=received)
    kind_key = f"tg.intake.kind_{data.get('kind')}"
    kind = text(kind_key if kind_key in messages(locale) else "tg.intake.kind_other", locale)
    said = str(data.get("text") or "").strip()
    content = text("tg.intake.content", locale, kind=kind, text=said) if said else \
        text("tg.intake.content_empty", locale, kind=kind)
    return "\n".join([head, content, text("tg.intake.reference", locale, ref=data.get("ref", "?"))])


async def post_intake_failed(board: Board, ctx: Context, data: dict[str, Any], step: PostStep) -> None:
    """Post the notice of an `intake.failed` row in the desk chat."""
    chat = await board.home("desk")
    body = escape(intake_failed_text(ctx, data))
    await step(lambda: board.tg.send_text(chat, body))
