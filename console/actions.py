"""The case page's actions: which the viewer may take now (the lifecycle's `decide`, never re-encoded),
the choices their forms offer, and carrying one out through the same use case the Telegram button calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select

from core.context import Context
from core.db.models import Citizen, Ticket
from core.domain.errors import InvalidInput, TicketNotFound
from core.domain.lifecycle import Action, Role, assignable, decide
from core.domain.people import REPORTER_READERS, Actor
from core.domain.reports import MUSRENBANG, Outcome, Privacy
from core.queries import officer_load
from core.usecases._ticket import snapshot_of
from core.usecases.desk import (
    answer_info,
    ask_citizen,
    forward_ticket,
    mark_duplicate,
    record_outcome,
    reject_ticket,
    verify_ticket,
)
from core.usecases.oversight import close_ticket, extend_deadline, reassign_ticket
from core.usecases.publicity import MARKERS, mark_citizen_photos
from core.usecases.staff import list_staff

A = Action
# The path segment of each action the page offers, in the order its forms are shown.
SLUGS: dict[str, Action] = {
    "verifikasi": A.VERIFY, "hasil": A.RECORD_OUTCOME, "jawab": A.ANSWER, "tolak": A.REJECT,
    "duplikat": A.MARK_DUPLICATE, "teruskan": A.FORWARD, "tanya": A.ASK_CITIZEN, "tugaskan": A.REASSIGN,
    "perpanjang": A.EXTEND_DEADLINE, "tutup": A.CLOSE,
}
Form = dict[str, str]
PHOTOS = "foto-publik"  # not a step of the lifecycle: whether the public may see the citizen's own photos


def offered(here: Context, ticket: Ticket, actor: Actor) -> list[str]:
    """The slugs of the actions this actor may take on the case as it is now."""
    snapshot = snapshot_of(here, ticket)
    found = [slug for slug, action in SLUGS.items() if decide(snapshot, action, actor).allowed]
    if actor.roles & MARKERS and ticket.privacy != Privacy.CONFIDENTIAL.value:
        found.append(PHOTOS)
    return found


async def open311_contact(here: Context, ticket: Ticket, roles: frozenset[Role]) -> str | None:
    """For a report posted through Open311: the reporter's masked contact ("" when anonymous or when the viewer's
    role does not read the reporter, `REPORTER_READERS`); else None."""
    if not (ticket.source_ref or "").startswith("open311:"):
        return None
    if ticket.privacy != Privacy.NORMAL.value or not roles & REPORTER_READERS:
        return ""
    async with here.sessions() as session:
        return await session.scalar(select(Citizen.contact).where(Citizen.id == ticket.reporter_id)) or ""


@dataclass(frozen=True)
class Officer:
    id: int
    name: str
    open: int
    over: bool


async def officers(here: Context) -> list[Officer]:
    """Who a case may be reassigned to, the least loaded first, with the open cases each holds."""
    load, limit = await officer_load(here), here.profile.officer_open_limit
    found = [s for s in await list_staff(here) if assignable(s.roles)]
    return [Officer(s.id, s.name, load.get(s.id, 0), load.get(s.id, 0) > limit)
            for s in sorted(found, key=lambda s: (load.get(s.id, 0), s.name.casefold()))]


def _one_of(value: str, options: list[str], field: str) -> str:
    if value not in options:
        raise InvalidInput(f"not an offered {field}", field=field)
    return value


def _number(value: str, field: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput(f"not a number: {field}", field=field)
    return int(value)


async def _verify(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    category = _one_of(form.get("kategori", ""), [c.code for c in here.profile.categories], "category")
    desa = _one_of(form.get("desa", ""), [d.name for d in here.profile.desa], "desa")
    await verify_ticket(here, actor, ticket.id, category=category, desa=desa)


async def _outcome(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    outcome = Outcome(_one_of(form.get("hasil", ""), [o.value for o in Outcome], "outcome"))
    year = _number(form["tahun"], "year") if outcome in MUSRENBANG and form.get("tahun") else None
    agency = _one_of(form.get("instansi", ""), [a.code for a in here.kabupaten.agencies], "agency") \
        if outcome is Outcome.TO_AGENCY else None
    await record_outcome(here, actor, ticket.id, outcome, form.get("keterangan", "")[:1000], year, agency)


async def _answer(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    await answer_info(here, actor, ticket.id, form.get("jawaban", "")[:2000])


async def _duplicate(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    number = form.get("asli", "").strip().upper()[:20]
    async with here.sessions() as session:
        original = await session.scalar(select(Ticket.id).where(Ticket.number == number,
                                                                Ticket.kecamatan == here.kecamatan))
    if original is None:
        raise TicketNotFound(number=number or "-")
    await mark_duplicate(here, actor, ticket.id, original)


async def _reject(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    typed = form.get("alasan_lain", "").strip()
    reason = typed or _one_of(form.get("alasan", ""), list(here.profile.reject_reasons), "reason")
    await reject_ticket(here, actor, ticket.id, reason[:300])


async def _forward(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    agency = _one_of(form.get("instansi", ""), [a.code for a in here.kabupaten.agencies], "agency")
    await forward_ticket(here, actor, ticket.id, agency, form.get("referensi", "")[:100])


async def _ask(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    await ask_citizen(here, actor, ticket.id, form.get("pertanyaan", "")[:1000])


async def _reassign(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    officer = _number(form.get("petugas", ""), "officer")
    if officer not in {o.id for o in await officers(here)}:
        raise InvalidInput("not an active officer", field="officer")
    await reassign_ticket(here, actor, ticket.id, officer)


async def _extend(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    days = _number(form.get("hari", ""), "days")
    if days not in here.profile.extension_days:
        raise InvalidInput("not an offered extension", field="days")
    await extend_deadline(here, actor, ticket.id, days)


async def _close(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    reason = form.get("alasan", "").strip()
    if not reason:
        raise InvalidInput("closing needs a reason", field="reason")
    await close_ticket(here, actor, ticket.id, reason[:300])


async def _photos(here: Context, actor: Actor, ticket: Ticket, form: Form) -> None:
    await mark_citizen_photos(here, actor, ticket.id, form.get("publik") == "1")


RUN: dict[str, Callable[[Context, Actor, Ticket, Form], Awaitable[None]]] = {
    "verifikasi": _verify, "hasil": _outcome, "jawab": _answer, "tolak": _reject, "duplikat": _duplicate,
    "teruskan": _forward, "tanya": _ask, "tugaskan": _reassign, "perpanjang": _extend, "tutup": _close,
    PHOTOS: _photos,
}


async def carry_out(here: Context, actor: Actor, ticket: Ticket, slug: str, form: Form) -> None:
    """Take the action with the form's choices (checked against the profile); a Refused says why not."""
    await RUN[slug](here, actor, ticket, form)
