"""The buttons under each card and the menus that replace them for a moment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.context import Context
from core.db.models import Ticket
from core.domain.lifecycle import Action, Chat, Snapshot, offered
from core.domain.reports import Outcome
from core.kabupaten import Kabupaten
from core.musrenbang import planning_years
from core.texts import text
from core.usecases._ticket import snapshot_of
from core.usecases.staff import StaffMember
from officer_bot.callbacks import encode

STAFF_ROLES = ("verifier", "officer", "camat", "admin")


def button(key: str, data: str, locale: str = "id", **params: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text(f"tg.button.{key}", locale, **params), callback_data=data)


def rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i:i + width]) for i in range(0, len(buttons), width)]


def markup(grid: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    grid = [row for row in grid if row]
    return InlineKeyboardMarkup(grid) if grid else None


# The button each action has on a card: its label key and callback op. Which buttons a card shows is
# the lifecycle's answer (`offered`); this says only how each looks and in which order, per chat.
BUTTONS: dict[Action, tuple[str, str]] = {
    Action.VERIFY: ("verify", "v"), Action.REJECT: ("reject", "r"), Action.MARK_DUPLICATE: ("duplicate", "d"),
    Action.FORWARD: ("forward", "f"), Action.ASK_CITIZEN: ("ask", "q"), Action.CORRECT: ("correct", "k"),
    Action.ACCEPT: ("accept", "a"), Action.ADD_PROGRESS: ("progress", "u"), Action.RESOLVE: ("resolve", "s"),
    Action.RELEASE: ("release", "l"), Action.REASSIGN: ("reassign", "cr"), Action.EXTEND_DEADLINE: ("extend", "ce"),
    Action.CLOSE: ("close", "cc"),
    Action.AGENCY_ACCEPT: ("agency_accept", "ga"), Action.RETURN: ("return", "gr"),
    Action.AGENCY_UPDATE: ("agency_update", "gn"), Action.AGENCY_ANSWER: ("agency_answer", "gs"),
    Action.RECORD_OUTCOME: ("outcome", "h"), Action.ANSWER: ("answer", "ia"),
}
# An agency's own progress and resolve buttons ask for a reply in its group (the field's open a private chat).
AGENCY_BUTTONS: dict[Action, tuple[str, str]] = {
    Action.ADD_PROGRESS: ("progress", "gu"), Action.RESOLVE: ("resolve", "gd"),
}
A = Action
LAYOUT: dict[Chat, tuple[tuple[Action, ...], int]] = {  # chat -> button order, buttons per row
    Chat.DESK: ((A.VERIFY, A.RECORD_OUTCOME, A.ANSWER, A.REJECT, A.MARK_DUPLICATE, A.FORWARD, A.AGENCY_UPDATE,
                 A.AGENCY_ANSWER, A.ASK_CITIZEN, A.CORRECT, A.RETURN), 2),
    Chat.FIELD: ((A.ACCEPT, A.ADD_PROGRESS, A.RESOLVE, A.ASK_CITIZEN, A.RELEASE), 2),
    Chat.CAMAT: ((A.REASSIGN, A.RELEASE, A.RECORD_OUTCOME, A.EXTEND_DEADLINE, A.CLOSE, A.RETURN), 1),
    Chat.AGENCY: ((A.AGENCY_ACCEPT, A.ADD_PROGRESS, A.RESOLVE, A.RETURN), 2),
    # the kabupaten's chat acts on an escalated case as the camat would (its admins may do more elsewhere)
    Chat.KABUPATEN: ((A.REASSIGN, A.RELEASE, A.RECORD_OUTCOME, A.EXTEND_DEADLINE, A.CLOSE, A.RETURN), 1),
}


def card_actions(chat: Chat, snapshot: Snapshot) -> list[Action]:
    """The actions a card in `chat` offers now: those some role in the chat may take, in the chat's order."""
    order, _ = LAYOUT[chat]
    return [a for a in order if offered(snapshot, a, chat)]


def card_keyboard(ctx: Context, role: str, ticket: Ticket, locale: str = "id") -> InlineKeyboardMarkup | None:
    """The buttons a card shows in its current state (none once nothing can be done there)."""
    if role not in Chat.__members__.values():
        return None
    chat = Chat(role)
    looks = {**BUTTONS, **AGENCY_BUTTONS} if chat is Chat.AGENCY else BUTTONS
    buttons = [button(looks[a][0], encode(looks[a][1], ticket.id), locale)
               for a in card_actions(chat, snapshot_of(ctx, ticket))]
    return markup(rows(buttons, LAYOUT[chat][1]))


def back(tid: int, locale: str) -> list[InlineKeyboardButton]:
    return [button("back", encode("x", tid), locale)]


def choices(tid: int, op: str, labels: Sequence[str], extra: Sequence[int] = (), width: int = 2,
            locale: str = "id", more: Sequence[InlineKeyboardButton] = ()) -> InlineKeyboardMarkup:
    """A menu of labelled choices: each sends `op:tid:index[:extra]`."""
    buttons = [InlineKeyboardButton(label[:60], callback_data=encode(op, tid, i, *extra))
               for i, label in enumerate(labels)]
    grid = rows(buttons, width)
    grid.append([*more, *back(tid, locale)])
    return InlineKeyboardMarkup(grid)


def category_menu(ctx: Context, tid: int, locale: str = "id", op: str = "vc") -> InlineKeyboardMarkup:
    """The profile's categories: for verifying (`vc`) or correcting (`kc`)."""
    labels = [c.label_for(locale) for c in ctx.profile.categories]
    return choices(tid, op, labels, locale=locale)


def desa_menu(ctx: Context, tid: int, category_index: int | None, locale: str = "id",
              op: str = "vd") -> InlineKeyboardMarkup:
    """The profile's desa/kelurahan: for verifying (`vd`, with the category picked before) or correcting (`kd`)."""
    extra = () if category_index is None else (category_index,)
    return choices(tid, op, [d.name for d in ctx.profile.desa], extra, width=3, locale=locale)


def correction_menu(tid: int, locale: str = "id") -> InlineKeyboardMarkup:
    """What the desk corrects: the category or the desa the citizen picked."""
    return InlineKeyboardMarkup([[button("correct_category", encode("kc", tid), locale),
                                  button("correct_desa", encode("kd", tid), locale)], back(tid, locale)])


def reason_menu(ctx: Context, tid: int, locale: str = "id") -> InlineKeyboardMarkup:
    write = button("write_reason", encode("rw", tid), locale)
    return choices(tid, "rr", ctx.profile.reject_reasons, width=1, locale=locale, more=[write])


def agency_menu(ctx: Context, tid: int, locale: str = "id", category: str | None = None) -> InlineKeyboardMarkup:
    """The install's agencies (the kabupaten file's; a kecamatan profile alone lists its own), those that
    usually take `category` first; each button names its agency's place in the file, whatever the order."""
    places = sorted(enumerate(ctx.kabupaten.agencies), key=lambda found: category not in found[1].categories)
    buttons = [InlineKeyboardButton(a.name[:60], callback_data=encode("fa", tid, i)) for i, a in places]
    return InlineKeyboardMarkup([*rows(buttons, 2), back(tid, locale)])


def outcome_menu(tid: int, locale: str = "id") -> InlineKeyboardMarkup:
    """What became of an aspiration (declining it is Tolak, with a reason)."""
    return choices(tid, "ho", [text(f"tg.outcome.{o.value}", locale) for o in Outcome], width=1, locale=locale)


def year_menu(ctx: Context, tid: int, outcome: int, locale: str = "id") -> InlineKeyboardMarkup:
    """The planning year of a Musrenbang, one of `planning_years` (each button names its place among them)."""
    buttons = [InlineKeyboardButton(str(year), callback_data=encode("hy", tid, outcome, n))
               for n, year in enumerate(planning_years(ctx))]
    return InlineKeyboardMarkup([buttons, back(tid, locale)])


def outcome_agency_menu(ctx: Context, tid: int, locale: str = "id") -> InlineKeyboardMarkup:
    return choices(tid, "hg", [a.name for a in ctx.kabupaten.agencies], locale=locale)


def original_menu(tid: int, originals: Sequence[Ticket], locale: str = "id") -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(t.number, callback_data=encode("dd", tid, t.id)) for t in originals]
    grid = rows(buttons, 3)
    grid.append([button("other_number", encode("dw", tid), locale), *back(tid, locale)])
    return InlineKeyboardMarkup(grid)


def officer_menu(tid: int, officers: Sequence[StaffMember], load: Mapping[int, int], limit: int,
                 locale: str = "id") -> InlineKeyboardMarkup:
    """An officer per button with the open cases they hold (the least loaded first); over `limit`, marked."""
    ordered = sorted(officers, key=lambda s: (load.get(s.id, 0), s.name.casefold()))[:30]
    buttons = [InlineKeyboardButton(text("tg.load.over" if load.get(s.id, 0) > limit else "tg.load.officer", locale,
                                         name=s.name[:32], open=load.get(s.id, 0)),
                                    callback_data=encode("co", tid, s.id)) for s in ordered]
    return InlineKeyboardMarkup([*rows(buttons, 2), back(tid, locale)])


def days_menu(tid: int, days: Sequence[int], locale: str = "id") -> InlineKeyboardMarkup:
    """The profile's extension choices (`extension_days`)."""
    buttons = [button("days", encode("cx", tid, d), locale, days=d) for d in days]
    return InlineKeyboardMarkup([buttons, back(tid, locale)])


def bundle_keyboard(tickets: Sequence[Ticket]) -> InlineKeyboardMarkup | None:
    buttons = [InlineKeyboardButton(t.number, callback_data=encode("o", t.id)) for t in tickets]
    return markup(rows(buttons, 3))


def registration_keyboard(prompt_id: int, locale: str = "id") -> InlineKeyboardMarkup:
    buttons = [button("approve", encode("sa", prompt_id, i), locale, role=text(f"tg.role.{r}", locale))
               for i, r in enumerate(STAFF_ROLES)]
    return InlineKeyboardMarkup([*rows(buttons, 2), [button("decline", encode("sn", prompt_id), locale)]])


def kecamatan_keyboard(kabupaten: Kabupaten, codes: Sequence[str], command: int) -> InlineKeyboardMarkup:
    """The "Kecamatan mana?" buttons: one per kecamatan (by its place in the kabupaten file), running `command`."""
    places = {p.code: n for n, p in enumerate(kabupaten, start=1)}
    buttons = [InlineKeyboardButton(kabupaten.profile(c).name.removeprefix("Kecamatan ")[:40],
                                    callback_data=encode("pk", places[c], command)) for c in codes]
    return InlineKeyboardMarkup(rows(buttons, 2))
