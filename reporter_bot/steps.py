"""The conversation as one table: what the bot asks at each step, and which answers the step takes.

Every step takes any message: `router.handle` reads commands (menu, status, cancel, language) at
every step, and content (text, photo, voice, location, ...) goes into the draft (`flow.on_content`)
or, at idle, starts one or goes to the citizen's open ticket. What differs per step is below:

- `asks`: the question put when the conversation arrives at the step (`flow.advance`, `flow._edit`);
  None where the question needs what the turn does not hold (the tickets offered) or there is none.
- `taps`: the kinds of button (a reply id's part before ":") the step answers; any other is an old
  button and gets the menu. `router._tapped` names each kind's handler.
- `reads`: typed text that answers the step's own question (a category's name, an address); it
  returns False when the words do not, and they are then more of the story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.domain.conversation import Step
from reporter_bot import asks
from reporter_bot.outgoing import Outgoing
from reporter_bot.turn import Turn

Ask = Callable[[Turn], Outgoing | str]
Read = Callable[[Turn, str], bool]

# The menu, and the buttons about a submitted ticket (confirm, dispute, rate, cancel), fit at any step.
ANY_STEP = frozenset({"menu", "fix", "nofix", "rate", "cancel"})
# In a draft an earlier question's buttons still fit: a tapped category or desa corrects the draft.
IN_DRAFT = ANY_STEP | {"cat", "desa", "photo", "priv", "edit"}


@dataclass(frozen=True)
class Stage:
    """One step: the question it asks, the buttons it answers, and how it reads a typed answer."""

    asks: Ask | None
    taps: frozenset[str]
    reads: Read | None = None


def _address(turn: Turn, words: str) -> bool:
    d = turn.draft
    if d.address or d.latitude is not None:
        return False
    d.address = words.strip()[:300]
    return True


def _desa(turn: Turn, words: str) -> bool:
    found = turn.ctx.profile.desa_named(words)
    if found is None:
        return False
    turn.draft.desa = found.name
    return True


def _category(turn: Turn, words: str) -> bool:
    profile = turn.ctx.profile
    code = asks.match_category(profile, words)
    if code is None:
        return False
    turn.draft.category = code
    if not asks.is_label(profile, words):  # "Pohon tumbang menutup jalan" is also the story
        turn.draft.add_text(words)
    return True


def _privacy(turn: Turn, words: str) -> bool:
    for option in turn.ctx.profile.privacy_options:
        if words.strip().casefold() == turn.t(f"wa.ask.privacy_{option}").casefold():
            turn.draft.privacy = option
            return True
    return False


def _description(turn: Turn) -> str:
    category = turn.ctx.profile.category(turn.draft.category or "")
    asking = category is not None and category.report_type == "info"
    return turn.t("wa.ask.question" if asking else "wa.ask.description")


def _draft(*taps: str, asks: Ask | None, reads: Read | None = None) -> Stage:
    return Stage(asks, IN_DRAFT | frozenset(taps), reads)


STEPS: dict[Step, Stage] = {
    Step.IDLE: Stage(None, ANY_STEP),
    Step.NEW: _draft(asks=None),  # `flow.start` says hello, then asks what the draft lacks
    Step.CATEGORY: _draft("grp", asks=asks.category_question, reads=_category),
    Step.DESCRIPTION: _draft(asks=_description),
    Step.LOCATION: _draft(asks=asks.location_question, reads=_address),
    Step.DESA: _draft(asks=asks.desa_question, reads=_desa),
    Step.PHOTOS: _draft(asks=asks.photo_question),
    Step.PRIVACY: _draft(asks=asks.privacy_question, reads=_privacy),
    Step.SUMMARY: _draft("sum", asks=asks.summary),
    Step.EDIT: _draft(asks=asks.edit_question),
    Step.NEARBY: _draft("near", asks=None),  # `flow._offer_nearby` names the ticket it offers
    Step.PICK_TICKET: _draft("pick", asks=None),  # `tickets.route_to_ticket` lists the citizen's tickets
    Step.HELD: _draft(asks=None),  # the next message files or holds the report (`flow.on_content`)
}


def question(turn: Turn, step: Step) -> Outgoing | str:
    """What the bot asks on arriving at `step`."""
    ask = STEPS[step].asks
    if ask is None:
        raise ValueError(f"step {step} is not asked by itself")
    return ask(turn)


def takes(step: Step, kind: str) -> bool:
    """Whether a button of this kind answers something at `step` (else it is an old one)."""
    return kind in STEPS[step].taps


def reads(turn: Turn, words: str) -> bool:
    """Whether typed words answer the current step's own question (and were put in the draft)."""
    read = STEPS[turn.step].reads
    return read is not None and read(turn, words)
