"""The desk's notice about a message that did not go out, in plain words and the kecamatan's time.

The facts come from `core.stuck.notice_data`: what the message was (its kind, its ticket), for whom
(a citizen's masked number, or a Telegram chat), why it failed (a `core.outbox.Failure`) and since when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.context import Context
from core.texts import text, when

# What each kind of message was, as staff would say it (keys of `tg.stuck.what`).
WHAT = {
    "wa.reply": "reply", "ticket.received": "received", "ticket.question": "question",
    "ticket.progress": "progress", "ticket.resolved": "resolved", "draft.expired": "draft",
    "ticket.changed": "card", "digest": "digest", "digest.weekly": "digest",
}
PLATFORM = {"whatsapp": "WhatsApp", "telegram": "Telegram"}
REASONS = frozenset({
    "media_too_large", "media", "undeliverable", "refused", "blocked", "too_long", "unencodable", "rate_limited",
    "outside_window", "template", "network", "platform", "system", "unexpected",
})


def notice(ctx: Context, data: dict[str, Any], locale: str = "id") -> str:
    """The notice for one stuck or set-aside message."""
    kind = str(data.get("kind") or "")
    what_key = WHAT.get(kind) or ("update" if kind.startswith("ticket.") else "other")
    what = text(f"tg.stuck.what.{what_key}", locale)
    if data.get("citizen"):
        about = text("tg.stuck.for_citizen", locale, what=what, phone=data["citizen"])
    elif data.get("anonymous"):
        about = text("tg.stuck.for_reporter", locale, what=what)
    else:
        about = text("tg.stuck.in_telegram", locale, what=what)
    if data.get("number"):
        about = text("tg.stuck.of_ticket", locale, about=about, number=data["number"])
    failure = str(data.get("failure") or "")
    reason = text(f"tg.stuck.reason.{failure if failure in REASONS else 'unknown'}", locale,
                  platform=PLATFORM.get(str(data.get("channel")), str(data.get("channel") or "")))
    if data.get("set_aside"):
        return text("tg.stuck.set_aside", locale, about=about, reason=reason)
    since = _since(ctx, data.get("since"), locale)
    if not failure and not data.get("attempts"):  # never tried: an earlier message to the same chat holds it
        return text("tg.stuck.waiting_queued", locale, about=about, since=since)
    return text("tg.stuck.waiting", locale, about=about, reason=reason, since=since, attempts=data.get("attempts"))


def _since(ctx: Context, value: object, locale: str) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return text("tg.stuck.a_while", locale)
    if moment.tzinfo is None:
        return text("tg.stuck.a_while", locale)
    return when(moment, ctx.now(), ctx.profile.zone, locale)
