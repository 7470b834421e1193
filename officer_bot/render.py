"""Card texts (HTML): what the desk, the field and the camat see of a ticket, always its current state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any

from babel.dates import format_time
from babel.numbers import format_decimal

from core.audit import actor_label
from core.context import Context
from core.db.models import Ticket
from core.domain.lifecycle import CHAT_ROLES, OPEN_STATES, Chat, TicketState
from core.domain.people import mask_phones_in, reporter_for
from core.texts import clip, duration, text, when
from core.usecases.duty import OnDuty, suggested
from officer_bot import media
from officer_bot.card_data import TicketView

S = TicketState
FILE_KINDS = ("photo", "voice", "video", "document")
DESCRIPTION_MAX = 1200
NOTE_MAX = 300


def clock_time(ctx: Context, moment: datetime, locale: str = "id") -> str:
    return format_time(moment.astimezone(ctx.profile.zone), "HH.mm", locale=locale)


def category_label(ctx: Context, code: str | None, locale: str = "id") -> str:
    category = ctx.profile.category(code) if code else None
    if category is None:
        return text("tg.card.no_category", locale)
    return category.label_for(locale)


def osm_link(lat: float, lon: float) -> str:
    return f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=18/{lat:.6f}/{lon:.6f}"


def header(ctx: Context, view: TicketView, locale: str) -> list[str]:
    t = view.ticket
    title = f"<b>{escape(t.number)}</b> · {escape(text(f'tg.type.{t.report_type}', locale))}"
    if t.escalation_level >= 3:
        title += f" · <b>{escape(text('tg.card.escalated_kabupaten', locale))}</b>"
    elif t.escalation_level >= 2:
        title += f" · <b>{escape(text('tg.card.escalated', locale))}</b>"
    elif t.escalation_level >= 1:
        title += f" · <b>{escape(text('tg.card.late', locale))}</b>"
    lines = [title, escape(text("tg.card.category", locale, category=category_label(ctx, t.category, locale))),
             escape(text("tg.card.desa", locale, desa=t.desa or text("tg.card.no_desa", locale)))]
    if t.description:
        visible = t.description[:DESCRIPTION_MAX + 40]  # mask what can show, not a 100 KB story
        lines.append(f"<i>{escape(clip(mask_phones_in(visible).strip(), DESCRIPTION_MAX))}</i>")
    if t.address:
        address = clip(mask_phones_in(t.address[:240]).strip(), 200)
        lines.append(escape(text("tg.card.address", locale, address=address)))
    if t.latitude is not None and t.longitude is not None:
        lines.append(f'<a href="{escape(osm_link(t.latitude, t.longitude))}">{escape(text("tg.card.map", locale))}</a>')
    return lines


def reporter(view: TicketView, locale: str) -> str:
    """The desk card's reporter line: the desk chat's roles read it (`REPORTER_READERS`), as on the console."""
    hidden = "tg.card.anonymous" if view.ticket.privacy != "normal" else "tg.card.no_whatsapp"
    who = reporter_for(CHAT_ROLES[Chat.DESK], view.ticket.privacy, view.reporter_wa_id) or text(hidden, locale)
    return text("tg.card.reporter", locale, who=who)


def status_lines(ctx: Context, view: TicketView, locale: str) -> list[str]:
    """The state, the deadline and who did what last, as plain text lines."""
    t, now = view.ticket, ctx.now()
    lines = [text("tg.card.state", locale, state=text(f"state.{t.state}", locale))]
    if view.state in OPEN_STATES and view.state is not S.RESOLVED and t.stage_deadline_at is not None:
        lines.append(text("tg.card.deadline", locale, when=when(t.stage_deadline_at, now, ctx.profile.zone, locale)))
    verify = view.last("verify")
    if verify is not None and t.verified_at is not None:
        lines.append(text("tg.card.verified_by", locale, name=verify.actor_name,
                          time=clock_time(ctx, verify.created_at, locale)))
    lines += outcome_lines(ctx, view, locale)
    return lines


def outcome_lines(ctx: Context, view: TicketView, locale: str) -> list[str]:
    t, state = view.ticket, view.state
    event = view.last("reject", "mark_duplicate", "forward", "close", "auto_close", "confirm_fixed", "cancel")
    name = event.actor_name if event else ""
    if state is S.REJECTED:
        return [text("tg.card.rejected_by", locale, name=name, reason=t.reject_reason or "")]
    if state is S.DUPLICATE and event is not None:
        return [text("tg.card.duplicate_of", locale, number=event.data.get("original_number", ""), name=name)]
    if state is S.FORWARDED:
        return forwarded_lines(ctx, view, name, locale)
    if state is S.CANCELLED:
        return [text("tg.card.cancelled", locale)]
    back = view.last("return_to_kecamatan")
    if state is S.RECEIVED and back is not None:  # only a return leads back here
        return [text("tg.card.agency_returned", locale, name=back.actor_name, reason=back.data.get("reason", ""))]
    lines = []
    if view.assignee and state in (S.IN_PROGRESS, S.RESOLVED, S.CLOSED):
        lines.append(text("tg.card.assignee", locale, name=view.assignee))
    elif t.agency_holder and state in (S.RESOLVED, S.CLOSED):
        lines.append(text("tg.card.agency_taken", locale, name=t.agency_holder))
    progress = view.last("add_progress", "resolve", "agency_update", "agency_answer")
    if progress is not None and progress.data.get("note") and state in (S.IN_PROGRESS, S.RESOLVED, S.CLOSED):
        lines.append(text("tg.card.progress", locale, note=clip(str(progress.data["note"]).strip(), NOTE_MAX)))
    if state is S.RESOLVED and t.resolved_at is not None:
        lines.append(text("tg.card.resolved", locale, time=clock_time(ctx, t.resolved_at, locale)))
    resolved = view.last("resolve")
    if resolved is not None and state in (S.RESOLVED, S.CLOSED) and (where := proof_line(resolved.data, locale)):
        lines.append(where)
    if state is S.CLOSED and t.closed_at is not None:
        lines.append(text("tg.card.closed", locale, time=clock_time(ctx, t.closed_at, locale)))
    if t.rating:
        lines.append(text("tg.card.rating", locale, stars=t.rating))
    return lines


def proof_line(data: dict[str, Any], locale: str) -> str | None:
    """Where the proof was taken, against the report's place ("📍 Bukti dari 35 m lokasi laporan"); None
    when the resolve carried no location to measure."""
    metres = data.get("proof_distance_m")
    if not isinstance(metres, int):
        return None
    key = ("far" if data.get("proof_far") else "near") + ("_desa" if data.get("proof_against") == "desa" else "")
    return text(f"tg.proof.{key}", locale, distance=distance_label(metres, locale))


def distance_label(metres: int, locale: str) -> str:
    """"35 m", "2,3 km" (the locale's decimal sign)."""
    if metres < 1000:
        return f"{metres} m"
    return f"{format_decimal(round(metres / 1000, 1), format='#,##0.#', locale=locale)} km"


def forwarded_lines(ctx: Context, view: TicketView, name: str, locale: str) -> list[str]:
    """A case with an agency: which, since whom, its reference, who there took it, its latest news; for an
    agency without a group, whom the desk calls."""
    t = view.ticket
    agency = ctx.kabupaten.agency(t.forward_agency or "")
    label = ctx.kabupaten.agency_name(t.forward_agency) or "-"
    lines = [text("tg.card.forwarded", locale, agency=label, name=name)]
    if t.forward_reference:
        lines.append(text("tg.card.reference", locale, reference=t.forward_reference))
    if agency is not None and agency.has_group:
        lines.append(text("tg.card.agency_taken", locale, name=t.agency_holder) if t.agency_holder
                     else text("tg.card.agency_not_taken", locale))
    elif agency is not None and agency.contact:
        lines.append(text("tg.card.agency_contact", locale, contact=agency.contact))
    news = view.last("add_progress", "agency_update")
    if news is not None and news.data.get("note"):
        lines.append(text("tg.card.progress", locale, note=clip(str(news.data["note"]).strip(), NOTE_MAX)))
    return lines


def counted(counts: dict[str, int], locale: str) -> str:
    """"2 foto, 1 dokumen": the kinds present, in a fixed order."""
    return ", ".join(text(f"tg.card.count_{kind}", locale, count=counts[kind]) for kind in FILE_KINDS
                     if counts.get(kind))


def file_lines(view: TicketView, locale: str) -> list[str]:
    """What the citizen sent: the files here, the ones too big for Telegram, and (while open) the ones lost."""
    files = [a for a in view.attachments if a.role == "report" and a.kind in FILE_KINDS]
    kept = Counter(a.kind for a in files if not media.missing(a))
    big = Counter(a.kind for a in files if media.too_big(a))
    lost = Counter(a.kind for a in files if media.missing(a))
    lines = [text("tg.card.attachments", locale, items=counted(kept, locale))] if kept else []
    if big:
        lines.append(text("tg.card.too_big", locale, items=counted(big, locale), limit=media.UPLOAD_MAX // 2**20))
    if lost and view.state in OPEN_STATES:
        lines.append(text("tg.card.media_failed", locale, items=counted(lost, locale)))
    return lines


def desk_text(ctx: Context, view: TicketView, locale: str = "id") -> str:
    """The desk's card: the whole report, the reporter (masked), its age and possible duplicates."""
    t = view.ticket
    lines = header(ctx, view, locale)
    lines.append(escape(reporter(view, locale)))
    since = ctx.now() - t.created_at
    lines.append(escape(text("tg.card.age" if since >= timedelta(minutes=1) else "tg.card.age_now", locale,
                             time=clock_time(ctx, t.created_at, locale), age=duration(since, locale))))
    lines += [escape(line) for line in file_lines(view, locale)]
    if view.nearby:
        lines.append(escape(text("tg.card.nearby", locale, numbers=", ".join(n.number for n in view.nearby))))
    question = view.last("ask_citizen")
    if question is not None and view.state in OPEN_STATES:
        asked = clip(str(question.data.get("question", "")).strip(), NOTE_MAX)
        lines.append(escape(text("tg.card.question", locale, text=asked)))
    lines += [escape(line) for line in status_lines(ctx, view, locale)]
    return "\n".join(lines)


def field_text(ctx: Context, view: TicketView, locale: str = "id") -> str:
    """The field group's card: what to fix and where, who has it and by when; while nobody has taken it,
    who is on duty for its desa and whom it suggests."""
    duty = duty_lines(ctx, view, locale) if view.state is S.VERIFIED else []
    return "\n".join(header(ctx, view, locale) + [escape(line) for line in status_lines(ctx, view, locale)] + duty)


def mention(officer: OnDuty) -> str:
    """The officer's name as a Telegram mention (HTML): it notifies them, and only them."""
    return f'<a href="tg://user?id={officer.telegram_id}">{escape(officer.name)}</a>'


def _with(template: str, **html: str) -> str:
    """A catalogue text escaped for HTML, with `html` values (already HTML) put in its placeholders."""
    marks = {key: f"\x00{i}\x00" for i, key in enumerate(html)}
    done = escape(template.format(**marks))
    for key, mark in marks.items():
        done = done.replace(mark, html[key])
    return done


def duty_lines(ctx: Context, view: TicketView, locale: str) -> list[str]:
    """"Bertugas: Budi (0), Cakra (2)" and "Disarankan: Budi" as HTML, the names mentions (so the officers on
    duty, and only they, are notified), or that nobody is on duty (when the kecamatan has officers)."""
    if not view.on_duty:
        verify = view.last("verify")
        if verify is None or not verify.data.get("nobody_on_duty"):
            return []
        lines = [text("tg.duty.nobody", locale), *filter(None, [next_shift_line(ctx, verify.data, locale)])]
        return [escape(line) for line in lines]
    names = ", ".join(_with(text("tg.duty.officer", locale, name="{name}", load=o.load), name=mention(o))
                      for o in view.on_duty[:8])
    pick = suggested(list(view.on_duty), ctx.profile.officer_open_limit)
    lines = [_with(text("tg.duty.on", locale, names="{names}"), names=names)]
    if pick is not None:
        lines.append(escape(text("tg.duty.suggested", locale, name=pick.name)))
    return lines


def next_shift_line(ctx: Context, data: dict[str, Any], locale: str) -> str | None:
    """"The accept clock runs from …" when a case came in with nobody on duty and the roster says who starts when."""
    starts = data.get("clock_from")
    if not isinstance(starts, str):
        return None
    return text("tg.duty.clock_from", locale, time=when(datetime.fromisoformat(starts), ctx.now(), ctx.profile.zone,
                                                          locale))


def camat_text(ctx: Context, view: TicketView, locale: str = "id") -> str:
    """The camat's escalation card."""
    title = f"<b>{escape(text('tg.card.camat_title', locale))}</b>"
    return "\n".join([title, *header(ctx, view, locale), *[escape(s) for s in status_lines(ctx, view, locale)]])


def agency_text(ctx: Context, view: TicketView, locale: str = "id") -> str:
    """The agency's card: what to fix and where, from which kecamatan, by when. Never who reported it."""
    title = f"<b>{escape(text('tg.card.agency_title', locale, kecamatan=ctx.profile.name))}</b>"
    return "\n".join([title, *header(ctx, view, locale), *[escape(s) for s in status_lines(ctx, view, locale)]])


def kabupaten_text(ctx: Context, view: TicketView, locale: str = "id") -> str:
    """The kabupaten's escalation card: a case the camat has not acted on, or one sent up by hand (/eskalasi)."""
    title = f"<b>{escape(text('tg.card.kabupaten_title', locale, kecamatan=ctx.profile.name))}</b>"
    lines = [title, *header(ctx, view, locale), *[escape(s) for s in status_lines(ctx, view, locale)]]
    raised = view.last("escalate")
    if raised is not None and raised.data.get("by_hand"):
        lines.append(escape(text("tg.escalate.card_by", locale, name=raised.actor_name,
                                 reason=raised.data.get("reason") or "–")))
    return "\n".join(lines)


def bundle_text(ctx: Context, tickets: Sequence[Ticket], locale: str = "id") -> str:
    """One message listing many new tickets (a flood), each with a button to open its card."""
    lines = [f"<b>{escape(text('tg.card.bundle_title', locale, count=len(tickets)))}</b>"]
    for t in tickets:
        line = text("tg.card.bundle_line", locale, number=t.number, category=category_label(ctx, t.category, locale),
                    desa=t.desa or "-", state=text(f"state.{t.state}", locale))
        lines.append(escape(line))
    return "\n".join(lines)


def history_text(ctx: Context, view: TicketView, locale: str = "id") -> str:
    """One ticket with its whole history, for /tiket."""
    lines = desk_text(ctx, view, locale).split("\n")
    lines.append(f"\n<b>{escape(text('tg.reply.history_title', locale))}</b>")
    for event in view.events[-30:]:
        when_ = event.created_at.astimezone(ctx.profile.zone).strftime("%d/%m %H.%M")
        try:
            label = text(f"tg.action.{event.action}", locale)
        except KeyError:
            label = event.action
        actor = actor_label(event, view.ticket.reporter_id, locale)  # a citizen by their part, never by name
        lines.append(escape(text("tg.reply.history_line", locale, time=when_, action=label, actor=actor)))
    return "\n".join(lines)
