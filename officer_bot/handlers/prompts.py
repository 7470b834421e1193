"""Questions the bot asks staff (a reason, a number, proof): posted as a reply, answered by replying to it."""

from __future__ import annotations

import logging
from dataclasses import asdict
from html import escape
from typing import Any

from telegram import CallbackQuery

from core.db.models import Ticket
from core.domain.errors import InvalidInput, ProofRequired, Refused, TicketNotFound
from core.domain.people import Actor
from core.domain.reports import AttachmentKind, NewAttachment, Outcome
from core.images import gps_of
from core.texts import refusal, text
from core.usecases.agency import record_agency_answer, record_agency_update, return_to_kecamatan
from core.usecases.desk import answer_info, ask_citizen, forward_ticket, mark_duplicate, record_outcome, reject_ticket
from core.usecases.field import add_progress, resolve_ticket
from core.usecases.oversight import close_ticket
from officer_bot.albums import Post
from officer_bot.card_data import load_view, ticket_id_of
from officer_bot.handlers.common import Deps
from officer_bot.keyboards import card_keyboard
from officer_bot.store import Prompt, card_at, close_prompts, open_prompt, update_prompt

log = logging.getLogger(__name__)


async def ask_for_reply(d: Deps, query: CallbackQuery, kind: str, ticket: Ticket, body: str,
                        data: dict[str, Any] | None = None) -> None:
    """Post the question under the tapped card (force reply, for the tapper) and put the card's buttons back."""
    message = query.message
    if message is None:
        raise InvalidInput("the card is no longer accessible", field="message")
    sent = await d.tg.send_text(message.chat.id, escape(body), reply_to=message.message_id, force_reply=True)
    await open_prompt(d.ctx, sent.chat.id, sent.message_id, kind, query.from_user.id, ticket.id, data)
    roles = [c.role for c in await card_at(d.ctx, message.chat.id, message.message_id) if c.ticket_id == ticket.id]
    if roles and not roles[0].startswith("bundle_"):
        await d.tg.edit_markup(message.chat.id, message.message_id, card_keyboard(d.ctx, roles[0], ticket))


async def answer_prompt(d: Deps, prompt: Prompt, post: Post, actor: Actor) -> str | None:
    """Carry out what the prompt asked for; the reply to post (None when the card says it all)."""
    assert prompt.ticket_id is not None
    tid, words = prompt.ticket_id, post.text
    if prompt.kind == "answer":  # words and/or a photo or a document, relayed to the citizen
        files = await post.files(d.tg.bot, d.media_dir, documents=True)
        await answer_info(d.ctx, actor, tid, words, files)
        await close_prompts(d.ctx, prompt_id=prompt.id)
        return text("tg.reply.answered", number=(await load_view(d.ctx, tid)).ticket.number)
    if prompt.kind in ("resolve", "progress", "agency_resolve"):
        files = await post.files(d.tg.bot, d.media_dir)  # every photo of an album
        return await (progress(d, prompt, actor, words, files) if prompt.kind == "progress"
                      else resolve(d, prompt, actor, post, files))
    if not words:
        raise InvalidInput("a text answer is needed", field="text")
    if prompt.kind == "reject":
        await reject_ticket(d.ctx, actor, tid, words)
    elif prompt.kind == "question":
        await ask_citizen(d.ctx, actor, tid, words)
        # remembered so the citizen's answer goes back under this message, in this chat
        await update_prompt(d.ctx, prompt.id, {**prompt.data, "question": words, "question_message_id":
                                               post.first.message_id})
    elif prompt.kind == "duplicate":
        original = await ticket_id_of(d.ctx, words.split()[0])
        if original is None:
            raise TicketNotFound(number=words)
        await mark_duplicate(d.ctx, actor, tid, original)
    elif prompt.kind == "forward":
        agency = str(prompt.data["agency"])
        await forward_ticket(d.ctx, actor, tid, agency, "" if words == "-" else words[:100])
    elif prompt.kind == "return":
        number = await return_to_kecamatan(d.ctx, actor, tid, words)
        await close_prompts(d.ctx, prompt_id=prompt.id)
        return text("tg.reply.returned", number=number)
    elif prompt.kind in ("agency_update", "agency_answer"):
        record = record_agency_update if prompt.kind == "agency_update" else record_agency_answer
        await record(d.ctx, actor, tid, words)
        await close_prompts(d.ctx, prompt_id=prompt.id)
        return text("tg.reply.agency_saved", number=(await load_view(d.ctx, tid)).ticket.number)
    elif prompt.kind == "outcome":
        await record_outcome(d.ctx, actor, tid, Outcome(str(prompt.data["outcome"])), note=words)
        await close_prompts(d.ctx, prompt_id=prompt.id)
        return text("tg.answer.outcome", number=(await load_view(d.ctx, tid)).ticket.number)
    elif prompt.kind == "close":
        await close_ticket(d.ctx, actor, tid, words)
        await close_prompts(d.ctx, prompt_id=prompt.id)
        return text("tg.reply.closed", number=(await load_view(d.ctx, tid)).ticket.number)
    await close_prompts(d.ctx, prompt_id=prompt.id)
    return None


async def resolve(d: Deps, prompt: Prompt, actor: Actor, post: Post, files: tuple[NewAttachment, ...]) -> str | None:
    """Selesaikan: gather the after photo(s), the note and the officer's location over one or more replies,
    then resolve."""
    words, data = post.text, dict(prompt.data)
    data["note"] = words or str(data.get("note", ""))
    data["files"] = [*data.get("files", []), *(asdict(f) for f in files)]
    shared = next((m.location for m in post.messages if m.location is not None), None)
    if shared is not None:  # a live location counts too: its first message carries the point
        data["at"], data["at_from"] = [shared.latitude, shared.longitude], "location"
    elif "at" not in data and (found := _photo_gps(d, files)) is not None:  # a file that kept its EXIF
        data["at"], data["at_from"] = list(found), "exif"
    await update_prompt(d.ctx, prompt.id, data)
    proof = tuple(NewAttachment(**{**f, "kind": AttachmentKind(f["kind"])}) for f in data["files"])
    at = (float(data["at"][0]), float(data["at"][1])) if data.get("at") else None
    try:
        await resolve_ticket(d.ctx, actor, prompt.ticket_id or 0, str(data["note"]), proof, at,
                             str(data.get("at_from", "location")))
    except ProofRequired as exc:
        number = (await load_view(d.ctx, prompt.ticket_id or 0)).ticket.number
        raise StillNeeded(text("tg.prompt.incomplete", refusal=refusal(exc), number=number), data) from exc
    await close_prompts(d.ctx, ticket_id=prompt.ticket_id, kind=prompt.kind)
    return None


def _photo_gps(d: Deps, files: tuple[NewAttachment, ...]) -> tuple[float, float] | None:
    """Where a photo sent as a file was taken, from its EXIF (compressed photos have none)."""
    for f in files:
        if f.stored_path and (found := gps_of(d.media_dir / f.stored_path)) is not None:
            return found
    return None


async def progress(d: Deps, prompt: Prompt, actor: Actor, words: str, files: tuple[NewAttachment, ...]) -> str:
    """A progress note and/or photo (the prompt stays open for more)."""
    await add_progress(d.ctx, actor, prompt.ticket_id or 0, words, files)
    number = (await load_view(d.ctx, prompt.ticket_id or 0)).ticket.number
    return text("tg.reply.progress_saved", number=number)


class StillNeeded(Refused):
    """The proof is not complete yet: ask again, keeping what was sent so far."""

    code = "error.proof_required"

    def __init__(self, message: str, data: dict[str, Any]) -> None:
        super().__init__(message)
        self.message, self.data = message, data
