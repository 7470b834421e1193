"""The kabupaten-wide number: find the citizen's kecamatan, then hand the report to that kecamatan's flow.

The conversation on this number is keyed by the kabupaten's code (never a kecamatan's: the loader
refuses a clash). Until the kecamatan is known the turn acts in the install's first kecamatan (its
replies are that kecamatan's rows, answered from this number); the kecamatan is found from a shared
location (`core.domain.places.locate`; in no desa, the kecamatan of the nearest office, whose desa list is
then shown), a typed desa name (`match_name`) or two lists, kecamatan then desa, paged to WhatsApp's ten
rows. From then on `draft.kecamatan` names it: the draft is that
kecamatan's (its categories; the desa already known is not asked again), the ticket is filed there,
and while idle the conversation keeps it, so commands, ticket buttons and messages about an open
ticket go on to that kecamatan.
"""

from __future__ import annotations

from collections.abc import Callable

from core.domain.conversation import Step
from core.domain.places import Place, locate, match_name, names_a_place, nearest_office
from core.kabupaten import Kabupaten
from core.profile import Profile
from reporter_bot import asks, flow, router, store, tickets
from reporter_bot.draft import Draft
from reporter_bot.outgoing import ROW_TITLE_MAX, Outgoing, Row, choice_list
from reporter_bot.turn import Turn
from reporter_bot.webhook_body import Incoming

PAGE = 8  # items per page of a long list: with "Sebelumnya" and "Berikutnya" it is WhatsApp's ten rows
ROWS_MAX = 10
PICKS = frozenset({"kab", "kabp", "kdesa", "kdp"})  # this module's list rows
TICKET_TAPS = frozenset({"fix", "nofix", "rate", "cancel"})  # buttons naming a ticket: its kecamatan's
MEDIA = frozenset({"image", "audio", "video", "document"})
KEPT_WHILE_IDLE = ("kecamatan",)
NAME_WORDS = 3  # after "where is it?", a reply this short is a place's name, not more of the story


def page_rows(rows: list[Row], page: int, turn_to: str, previous: str, following: str,
              label: Callable[[int, int], str]) -> list[Row]:
    """Page `page` (from 0) of the rows, with "Sebelumnya"/"Berikutnya" rows (ids `turn_to` + the page they
    show, described by `label(page, pages)` counted from 1); all of the rows when they fit in one list."""
    if len(rows) <= ROWS_MAX:
        return rows
    pages = -(-len(rows) // PAGE)
    page = min(max(page, 0), pages - 1)
    shown = rows[page * PAGE:(page + 1) * PAGE]
    if page > 0:
        shown = [Row(f"{turn_to}{page - 1}", previous, label(page, pages)), *shown]
    if page < pages - 1:
        shown = [*shown, Row(f"{turn_to}{page + 1}", following, label(page + 2, pages))]
    return shown


def _paged(turn: Turn, rows: list[Row], page: int, turn_to: str) -> list[Row]:
    return page_rows(rows, page, turn_to, turn.t("wa.kabupaten.previous"), turn.t("wa.kabupaten.next"),
                     lambda shown, pages: turn.t("wa.kabupaten.page", page=shown, pages=pages))


def _short(name: str) -> str:
    """A kecamatan's name as a row title: without "Kecamatan", which all of them share."""
    short = name.removeprefix("Kecamatan ").strip() or name
    return short[:ROW_TITLE_MAX]


def kecamatan_list(turn: Turn, page: int = 0, body: str = "") -> Outgoing:
    """The kabupaten's kecamatan as a list (paged when more than ten)."""
    rows = [Row(f"kab:{p.code}", _short(p.name), p.name if _short(p.name) != p.name else "")
            for p in turn.ctx.kabupaten]
    return choice_list(body or turn.t("wa.kabupaten.kecamatan_list"), turn.t("wa.kabupaten.kecamatan_button"),
                       [(turn.t("wa.kabupaten.kecamatan_section"), _paged(turn, rows, page, "kabp:"))])


def desa_list(turn: Turn, profile: Profile, page: int = 0, body: str = "") -> Outgoing:
    """One kecamatan's desa and kelurahan as a list (paged when more than ten)."""
    rows = [Row(f"kdesa:{d.name}", d.name, d.kind) for d in profile.desa]
    return choice_list(body or turn.t("wa.kabupaten.desa_list", kecamatan=profile.name),
                       turn.t("wa.kabupaten.desa_button"),
                       [(turn.t("wa.kabupaten.desa_section"), _paged(turn, rows, page, f"kdp:{profile.code}:"))])


async def handle(turn: Turn, msg: Incoming) -> None:
    """One message to the kabupaten-wide number; every path says something."""
    tapped = await _ticket_tapped(turn, msg)
    if tapped is not None:  # a ticket's button goes to the ticket's kecamatan, whatever the draft's
        turn.ctx = turn.ctx.at(tapped)
        await router.handle(turn, msg)
        if turn.step == Step.IDLE:
            turn.draft.kecamatan = tapped
        return
    home = turn.draft.kecamatan if turn.draft.kecamatan in turn.ctx.kabupaten.profiles else None
    if home is not None and await _for_kecamatan(turn, msg, home):
        turn.ctx = turn.ctx.at(home)
        await router.handle(turn, msg)
        turn.draft.kecamatan = home  # a draft begun now is that kecamatan's too; idle, it is remembered
        return
    if turn.step == Step.IDLE or turn.draft.kecamatan is not None:  # a new report: where is it?
        turn.draft, turn.step = Draft(), Step.NEW
    await _locate(turn, msg)


async def _ticket_tapped(turn: Turn, msg: Incoming) -> str | None:
    """The kecamatan of the ticket a tapped button names (confirm, dispute, rate, cancel)."""
    kind, _, value = msg.choice_id.partition(":")
    ticket_id = value.rpartition(":")[2]
    if msg.type != "interactive" or kind not in TICKET_TAPS or not ticket_id.isdigit():
        return None
    return await store.ticket_kecamatan(turn.ctx, int(ticket_id))


async def _for_kecamatan(turn: Turn, msg: Incoming, home: str) -> bool:
    """Whether the message goes on in `home`'s flow: its draft, a command or button, or about an open ticket."""
    if turn.step != Step.IDLE or msg.type == "button":
        return True
    if msg.type == "interactive":
        kind = msg.choice_id.partition(":")[0]
        return kind not in PICKS and msg.choice_id != "menu:report"
    if msg.type == "text" and (command := router.command_of(msg.text)) is not None:
        return command[0] in ("status", "cancel")
    if msg.type not in (*MEDIA, "text", "location"):
        return True  # the kecamatan's flow says what it cannot take
    return bool(await tickets.open_tickets(turn.ctx.at(home), turn.actor.id or 0, followed=False))


async def _locate(turn: Turn, msg: Incoming) -> None:
    """Before the kecamatan is known: take what came, and find the place or ask for it."""
    if msg.type == "button":  # the template's quick reply: the held updates it released are the answer
        if not turn.released:
            _ask_where(turn, greeting=True)
    elif msg.type == "interactive" and msg.choice_id == "menu:status":
        await _command(turn, msg, "status", None)
    elif msg.type == "interactive":
        await _picked(turn, msg.choice_id)
    elif msg.type == "location" and msg.latitude is not None and msg.longitude is not None:
        await _shared(turn, msg, msg.latitude, msg.longitude)
    elif msg.type == "text":
        await _typed(turn, msg)
    elif msg.type in MEDIA:
        await flow.absorb(turn, msg)  # the photo or voice note waits in the draft for its kecamatan
        _ask_where(turn)
    else:
        turn.say(turn.t("wa.ask.unsupported"))
        if turn.draft.is_empty:
            turn.step = Step.IDLE


async def _shared(turn: Turn, msg: Incoming, lat: float, lon: float) -> None:
    """A shared point: the desa it is in, else the kecamatan of the nearest office (its desa asked), else outside."""
    kabupaten = turn.ctx.kabupaten
    assert kabupaten.whatsapp is not None
    within = kabupaten.whatsapp.nearest_within
    found = locate(kabupaten.places, lat, lon, within)
    near = None if found is not None else nearest_office(kabupaten.offices, lat, lon, within)
    if found is None and near is None:
        turn.note(turn.t("wa.kabupaten.outside", kabupaten=kabupaten.name))
        _ask_where(turn)
        return
    turn.draft.latitude, turn.draft.longitude = lat, lon
    turn.draft.address = turn.draft.address or msg.place[:300]
    if found is not None:
        await _found(turn, found)
    elif near is not None:  # the point is kept; the citizen names the desa, as a pick of the kecamatan would
        profile = kabupaten.profile(near)
        turn.draft.asked_where = True
        turn.say(desa_list(turn, profile, body=turn.t("wa.kabupaten_office.near", kecamatan=profile.name)))


async def _typed(turn: Turn, msg: Incoming) -> None:
    command = router.command_of(msg.text)
    if command is not None:
        await _command(turn, msg, *command)
        return
    kabupaten = turn.ctx.kabupaten
    found = match_name(kabupaten.places, msg.text)
    if found.place is not None:
        await _found(turn, found.place)
    elif found.near:
        rows = [Row(f"kdesa:{p.desa}", p.desa, kabupaten.profile(p.kecamatan).name) for p in found.near]
        turn.say(choice_list(turn.t("wa.kabupaten.suggest", name=msg.text.strip()[:60]),
                             turn.t("wa.kabupaten.desa_button"), [(turn.t("wa.kabupaten.desa_section"), rows)]))
        turn.draft.asked_where = True
    elif names_a_place(msg.text) or (turn.draft.asked_where and turn.draft.has_story
                                     and len(msg.text.split()) <= NAME_WORDS):
        turn.note(turn.t("wa.kabupaten.unknown", name=msg.text.strip()[:60], kabupaten=kabupaten.name))
        turn.say(kecamatan_list(turn))
    else:
        turn.draft.add_text(msg.text)  # the story, kept until its kecamatan is known
        _ask_where(turn)


async def _command(turn: Turn, msg: Incoming, command: str, named: str | None) -> None:
    """A command before the kecamatan is known (`named`: the locale, or the ticket number typed): status and
    cancel go to the ticket's kecamatan."""
    if command == "language":
        turn.locale = named or turn.locale
        turn.note(turn.t("wa.menu.language"))
        _ask_where(turn, greeting=True)
        return
    if command in ("greeting", "help"):
        _ask_where(turn, greeting=True)
        return
    if command == "cancel" and not named and not turn.draft.is_empty:
        flow.discard(turn)
        return
    where = await _kecamatan_of(turn, router.number_of(named))
    if where is None:
        turn.say(turn.t("wa.status.none"))
    else:
        turn.ctx = turn.ctx.at(where)
        await router.handle(turn, msg)
    if turn.draft.is_empty:
        turn.step = Step.IDLE


async def _kecamatan_of(turn: Turn, number: str | None) -> str | None:
    """The kecamatan a typed ticket number is of, else the first where the citizen has an open ticket."""
    kabupaten = turn.ctx.kabupaten
    if number:
        profile = kabupaten.by_prefix(number.partition("-")[0])
        return profile.code if profile else None
    for ctx in turn.ctx.tenants():
        if await tickets.open_tickets(ctx, turn.actor.id or 0):
            return ctx.kecamatan
    return None


async def _picked(turn: Turn, choice_id: str) -> None:
    kind, _, value = choice_id.partition(":")
    kabupaten = turn.ctx.kabupaten
    code, _, page = value.rpartition(":") if kind == "kdp" else (value, "", "0")
    if kind == "kab" and code in kabupaten.profiles:
        turn.say(desa_list(turn, kabupaten.profile(code)))
    elif kind == "kabp" and value.isdigit():
        turn.say(kecamatan_list(turn, int(value)))
    elif kind == "kdp" and code in kabupaten.profiles and page.isdigit():
        turn.say(desa_list(turn, kabupaten.profile(code), int(page)))
    elif kind == "kdesa" and (place := _place(kabupaten, value)) is not None:
        await _found(turn, place)
    else:  # the menu, or an old button: ask where
        if choice_id not in ("menu:report", "menu:help", "menu:info"):
            turn.note(turn.t("wa.menu.old_button"))
        _ask_where(turn, greeting=choice_id == "menu:help")


def _place(kabupaten: Kabupaten, desa: str) -> Place | None:
    return next((p for p in kabupaten.places if p.desa == desa), None)


def _ask_where(turn: Turn, greeting: bool = False) -> None:
    """Ask where the problem is: a location, a desa's name, or the kecamatan list."""
    kabupaten = turn.ctx.kabupaten
    first = greeting or (turn.first_contact and not turn.draft.asked_where)
    body = (turn.t("wa.kabupaten.greeting", name=f" {turn.name}" if turn.name else "", kabupaten=kabupaten.name)
            if first else turn.t("wa.kabupaten.where"))
    turn.draft.asked_where = True
    turn.say(kecamatan_list(turn, body=body))


async def _found(turn: Turn, place: Place) -> None:
    """The kecamatan is known: the draft becomes its report, and its flow asks what is still missing."""
    d = turn.draft
    turn.ctx = turn.ctx.at(place.kecamatan)
    profile = turn.ctx.profile
    d.kecamatan, d.desa, d.asked_where = place.kecamatan, place.desa, False
    if d.category and profile.category(d.category) is None:
        d.category = None
    if not d.category and d.description:
        d.category = asks.match_category(profile, d.description)
    turn.note(turn.t("wa.kabupaten.found", desa=place.desa, kecamatan=profile.name))
    await flow.advance(turn)
