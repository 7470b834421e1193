"""The bot's questions and menus, built from the catalogue and the kecamatan profile."""

from __future__ import annotations

from core.profile import Profile
from core.texts import clip
from reporter_bot.draft import Draft
from reporter_bot.outgoing import Outgoing, Row, buttons, choice_list
from reporter_bot.turn import Turn

DISPLAY_MAX = 300  # how much of a long story the summary shows


def menu(turn: Turn, greeting: bool = True) -> Outgoing:
    """The greeting naming the kecamatan, with the three main buttons (WhatsApp takes no more): where the
    profile takes questions, "Tanya informasi" instead of "Bantuan", which the greeting says to type."""
    body = turn.t("wa.menu.greeting", name=f" {turn.name}" if turn.name else "", kecamatan=turn.ctx.profile.name)
    report, status = ("menu:report", turn.t("wa.menu.report")), ("menu:status", turn.t("wa.menu.status"))
    if info_category(turn.ctx.profile) is not None:
        body = f"{body}\n\n{turn.t('wa.menu.help_hint')}" if greeting else turn.t("wa.menu.help_text")
        return buttons(body, report, ("menu:info", turn.t("wa.menu.info")), status)
    if not greeting:
        body = turn.t("wa.menu.help_text")
    return buttons(body, report, status, ("menu:help", turn.t("wa.menu.help")))


def info_category(profile: Profile) -> str | None:
    """The profile's first category for requests for information (what "Tanya informasi" starts), if any."""
    return next((c.code for c in profile.categories if c.report_type == "info"), None)


def category_question(turn: Turn, group: str | None = None) -> Outgoing:
    """The categories as a list grouped by the profile's groups (groups first when they do not fit)."""
    profile = turn.ctx.profile
    cats = [c for c in profile.categories if group is None or c.group == group]
    if len(cats) > 10:
        rows = [Row(f"grp:{g.code}", g.label_for(turn.locale)) for g in profile.category_groups]
        return choice_list(turn.t("wa.ask.category"), turn.t("wa.ask.category_button"),
                           [(turn.t("wa.ask.category_button"), rows)])
    sections = []
    for g in profile.category_groups:
        rows = [Row(f"cat:{c.code}", c.label_for(turn.locale), c.description) for c in cats if c.group == g.code]
        if rows:
            sections.append((g.label_for(turn.locale), rows))
    return choice_list(turn.t("wa.ask.category"), turn.t("wa.ask.category_button"), sections)


def desa_question(turn: Turn) -> Outgoing:
    rows = [Row(f"desa:{d.name}", d.name, d.kind) for d in turn.ctx.profile.desa]
    return choice_list(turn.t("wa.ask.desa"), turn.t("wa.ask.desa_button"), [(turn.t("wa.ask.desa_button"), rows)])


def location_question(turn: Turn) -> Outgoing:
    return Outgoing(turn.t("wa.ask.location"), location_request=True)


def photo_question(turn: Turn) -> Outgoing:
    done = turn.draft.count("photo") > 0
    return buttons(turn.t("wa.ask.photo", max=turn.ctx.profile.max_photos),
                   ("photo:done", turn.t("wa.ask.done" if done else "wa.ask.skip")))


def privacy_question(turn: Turn) -> Outgoing:
    options = turn.ctx.profile.privacy_options
    lines = "\n".join(f"• {turn.t(f'privacy.{o}')}" for o in options)
    return buttons(turn.t("wa.ask.privacy", options=lines),
                   *[(f"priv:{o}", turn.t(f"wa.ask.privacy_{o}")) for o in options])


def summary(turn: Turn) -> Outgoing:
    """The draft as the citizen will send it, with Kirim · Ubah · Batal."""
    d, t = turn.draft, turn.t
    category = turn.ctx.profile.category(d.category) if d.category else None
    lines = [t("wa.ask.line_category", value=category.label_for(turn.locale) if category else t("wa.ask.none")),
             t("wa.ask.line_description", value=clip(d.description, DISPLAY_MAX) or t("wa.ask.none"))]
    if d.count("voice"):
        lines.append(t("wa.ask.line_voice", count=d.count("voice")))
    lines.append(t("wa.ask.line_location", value=where(turn, d) or t("wa.ask.none")))
    if d.count("photo"):
        lines.append(t("wa.ask.line_photos", count=d.count("photo")))
    if d.count("document"):
        lines.append(t("wa.ask.line_documents", count=d.count("document")))
    if d.count("video"):
        lines.append(t("wa.ask.line_videos", count=d.count("video")))
    if d.privacy:
        lines.append(t("wa.ask.line_privacy", value=t(f"wa.ask.privacy_{d.privacy}")))
    return buttons(t("wa.ask.summary", details="\n".join(lines)), ("sum:send", t("wa.ask.send")),
                   ("sum:edit", t("wa.ask.edit")), ("sum:cancel", t("wa.ask.cancel")))


def where(turn: Turn, d: Draft) -> str:
    parts = [p for p in (d.address.strip(), d.desa or "") if p]
    if d.latitude is not None and not parts:
        parts.append(turn.t("wa.ask.line_shared_location"))
    return clip(", ".join(parts), 120)


def edit_question(turn: Turn) -> Outgoing:
    rows = [Row(f"edit:{f}", turn.t(f"wa.ask.edit_{f}")) for f in ("category", "description", "location", "photos")]
    return choice_list(turn.t("wa.ask.edit_which"), turn.t("wa.ask.edit_button"),
                       [(turn.t("wa.ask.edit_button"), rows)])


def match_category(profile: Profile, words: str) -> str | None:
    """A category whose label or code the citizen typed (e.g. "lampu jalan mati" → lampu_jalan)."""
    said = words.casefold()
    for category in profile.categories:
        for name in (category.label, category.label_en, category.code.replace("_", " ")):
            if name.casefold() in said:
                return category.code
    return None


def is_label(profile: Profile, words: str) -> bool:
    """Whether the citizen typed just a category's name."""
    said = words.strip().casefold()
    names = ((c.label.casefold(), c.label_en.casefold(), c.code.replace("_", " ")) for c in profile.categories)
    return any(said in options for options in names)
