"""The message catalogue: every word a user reads, per locale (Indonesian first, English second)."""

from __future__ import annotations

import string
import tomllib
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from core.domain.errors import Refused

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"
_DIR = Path(__file__).parent


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@cache
def messages(locale: str) -> dict[str, str]:
    """All texts of one locale, keyed `group.name`."""
    return _flatten(tomllib.loads((_DIR / f"{locale}.toml").read_text(encoding="utf-8")))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def text(key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """The text for `key` in `locale` (falling back to Indonesian), with its placeholders filled."""
    table = messages(locale if locale in LOCALES else DEFAULT_LOCALE)
    template = table.get(key) or messages(DEFAULT_LOCALE)[key]
    return template.format(**params)


def refusal(error: Refused, locale: str = DEFAULT_LOCALE) -> str:
    """What to tell the person whose action was refused."""
    params = dict(error.params)
    if "state" in params:
        params["state_phrase"] = text(f"state_phrase.{params['state']}", locale)
    if "fields" in params:
        params["fields"] = words([text(f"field.{name}", locale) for name in params["fields"]], locale)
    try:
        return text(error.code, locale, **params)
    except (KeyError, IndexError):
        return text("error.refused", locale)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut (no space left dangling before it)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def words(items: list[str], locale: str = DEFAULT_LOCALE) -> str:
    """A list as a sentence says it: "kategori dan desa/kelurahan", "a, b dan c"."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {text('field.and', locale)} {items[-1]}"


def duration(span: timedelta, locale: str = DEFAULT_LOCALE) -> str:
    """A length of time as people say it: "2 hari 3 jam", "5 jam", "40 menit" (no "0 menit")."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return text("span.days_hours" if hours else "span.days", locale, days=days, hours=hours)
    if hours:
        return text("span.hours_minutes" if mins else "span.hours", locale, hours=hours, minutes=mins)
    return text("span.minutes" if mins else "span.under_minute", locale, minutes=mins)


def when(moment: datetime, now: datetime, zone: ZoneInfo, locale: str = DEFAULT_LOCALE) -> str:
    """A deadline as people say it: "besok pukul 12.00", "Senin, 30 November pukul 09.00"."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = format_time(local, "HH.mm", locale=locale)
    if local.date() == today:
        return text("when.today", locale, time=clock)
    if local.date() == today + timedelta(days=1):
        return text("when.tomorrow", locale, time=clock)
    return text("when.later", locale, time=clock, date=format_date(local, "EEEE, d MMMM", locale=locale))
