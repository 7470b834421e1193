"""Where each incoming message goes: a command, a button, the draft, or the citizen's open ticket."""

from __future__ import annotations

import re

from core.domain.conversation import Step
from reporter_bot import asks, flow, steps, tickets
from reporter_bot.draft import Draft
from reporter_bot.turn import Turn
from reporter_bot.webhook_body import Incoming

CONTENT_TYPES = frozenset({"text", "image", "audio", "video", "document", "location"})
GREETINGS = frozenset({"menu", "halo", "hallo", "hai", "hi", "hello", "start", "mulai", "p", "assalamualaikum"})
HELP = frozenset({"bantuan", "help", "tolong", "?"})
LANGUAGES = {"english": "en", "inggris": "en", "bahasa inggris": "en", "indonesia": "id", "bahasa indonesia": "id",
             "bahasa": "id"}
STATUS = re.compile(r"^(?:cek status|cek|status|check status|check)\b\s*(?P<number>[a-z]{2,5}-?\d{1,9})?\s*$", re.I)
CANCEL = re.compile(r"^(?:batal|batalkan|cancel)\b\s*(?P<number>[a-z]{2,5}-?\d{1,9})?\s*$", re.I)
TICKET_CHOICES = frozenset({"fix", "nofix", "rate", "cancel", "pick"})


async def handle(turn: Turn, msg: Incoming) -> None:
    """Answer one message; every path says something."""
    if msg.type == "button":  # the template's quick reply: the held update itself is the answer
        if not turn.released:
            turn.say(asks.menu(turn))
        return
    if msg.type == "interactive":
        await _choice(turn, msg.choice_id)
        return
    if msg.type not in CONTENT_TYPES:
        turn.say(turn.t("wa.ask.unsupported"))
        return
    if msg.type == "text" and await _command(turn, msg.text):
        return
    if turn.step == Step.IDLE:
        await _idle_content(turn, msg)
    else:
        await flow.on_content(turn, msg)


async def _command(turn: Turn, words: str) -> bool:
    said = " ".join(words.split()).casefold().strip(" .!")
    if said in GREETINGS:
        turn.say(asks.menu(turn))
    elif said in HELP:
        turn.say(asks.menu(turn, greeting=False))
    elif said in LANGUAGES:
        turn.locale = LANGUAGES[said]
        turn.note(turn.t("wa.menu.language"))
        turn.say(asks.menu(turn))
    elif match := STATUS.match(said):
        await tickets.show_status(turn, _number(turn, match["number"]))
    elif match := CANCEL.match(said):
        if turn.step != Step.IDLE and not match["number"]:
            flow.discard(turn)
        else:
            await tickets.ask_cancel(turn, _number(turn, match["number"]))
    else:
        return False
    return True


def command_of(words: str) -> tuple[str, str | None] | None:
    """Which command typed words are ("greeting", "help", "language", "status", "cancel") and what they
    name (the locale of "language", the ticket number of the others, if any); None for no command."""
    said = " ".join(words.split()).casefold().strip(" .!")
    if said in GREETINGS:
        return "greeting", None
    if said in HELP:
        return "help", None
    if said in LANGUAGES:
        return "language", LANGUAGES[said]
    for name, pattern in (("status", STATUS), ("cancel", CANCEL)):
        if match := pattern.match(said):
            return name, match["number"]
    return None


def _number(turn: Turn, raw: str | None) -> str | None:
    return number_of(raw)


def number_of(raw: str | None) -> str | None:
    """A typed ticket number as tickets carry it ("ptl12" → "PTL-000012")."""
    if not raw:
        return None
    prefix, digits = re.match(r"([a-z]+)-?(\d+)", raw, re.I).groups()  # type: ignore[union-attr]
    return f"{prefix.upper()}-{int(digits):06d}"


async def _idle_content(turn: Turn, msg: Incoming) -> None:
    if turn.first_contact:
        turn.note(asks.menu(turn).text)
    else:
        turn.draft = Draft()
        await flow.absorb(turn, msg)
        if not turn.draft.is_empty and await tickets.route_to_ticket(turn):
            return
        if turn.draft.is_empty:
            turn.flush_notes() if turn.notes else turn.say(asks.menu(turn))
            return
        await flow.advance(turn)
        return
    await flow.start(turn, msg)


async def _choice(turn: Turn, choice_id: str) -> None:
    kind, _, value = choice_id.partition(":")
    if not (steps.takes(turn.step, kind) and await _tapped(turn, kind, value)):
        turn.note(turn.t("wa.menu.old_button"))  # an old menu or a button that no longer fits
        turn.say(asks.menu(turn))


async def _tapped(turn: Turn, kind: str, value: str) -> bool:
    """A button the step takes, to its handler; False when its value names nothing."""
    if kind == "menu":
        return await _menu_choice(turn, value)
    if kind == "pick" and value == "new":  # not one of the open tickets: go on with the new report
        await flow.advance(turn)
        return True
    if kind in TICKET_CHOICES:
        return await tickets.choose(turn, kind, value)
    return await flow.choose(turn, kind, value)


async def _menu_choice(turn: Turn, value: str) -> bool:
    if value == "report":
        if turn.step == Step.IDLE:
            await flow.start(turn, None)
        else:
            await flow.advance(turn)
    elif value == "info" and (code := asks.info_category(turn.ctx.profile)) is not None:
        if turn.step == Step.IDLE:
            await flow.start_question(turn, code)
        else:
            await flow.advance(turn)
    elif value == "status":
        await tickets.show_status(turn, None)
    elif value == "help":
        turn.say(asks.menu(turn, greeting=False))
    else:
        return False
    return True
