"""GET requests: the query's filters as the specification words them, and one public case as a request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from core.domain.lifecycle import TicketState
from core.kabupaten import Kabupaten
from core.profile import Profile
from core.texts import text
from open311.render import Problem, Value, w3c
from public.view import PublicCase

# The states whose deadline is when the problem should be solved (by the officer, or the agency it went to):
# before the officer has taken a case that moment is not known yet, and expected_datetime is left out.
SOLVING = frozenset({TicketState.IN_PROGRESS, TicketState.FORWARDED})
SPAN = timedelta(days=90)  # the longest start_date..end_date, and the default range
MOST = 1000  # the most requests one answer carries
MAX_IDS = 1000


@dataclass(frozen=True)
class Query:
    """What GET requests asked for; `numbers` (service_request_id) overrides the other filters."""

    numbers: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    open: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = MOST
    offset: int = 0


def _listed(raw: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in (raw or "").split(",") if part.strip()))


def _moment(field: str, raw: str, zone: ZoneInfo) -> datetime:
    """A W3C datetime (a date alone is its midnight; without an offset, the kecamatan's time)."""
    try:
        moment = (datetime.combine(datetime.fromisoformat(raw).date(), time.min) if len(raw) == 10
                  else datetime.fromisoformat(raw))
    except ValueError:
        raise Problem(400, "date", field=field, value=raw[:40]) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _whole(field: str, raw: str | None, default: int, most: int) -> int:
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise Problem(400, "page", field=field, most=most)
    return int(raw)


def paging(params: Mapping[str, str]) -> tuple[int, int]:
    """`page_size` (at most MOST) and `page` (from 1), the common extension, as a limit and an offset."""
    size = _whole("page_size", params.get("page_size"), MOST, MOST)
    return size, (_whole("page", params.get("page"), 1, 1_000_000) - 1) * size


def window(params: Mapping[str, str], now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """`start_date`..`end_date`: by default the SPAN up to now (or after the start, or before the end), at most SPAN."""
    start, end = params.get("start_date", "").strip(), params.get("end_date", "").strip()
    if start and end:
        since, until = _moment("start_date", start, zone), _moment("end_date", end, zone)
    elif start:
        since = _moment("start_date", start, zone)
        until = since + SPAN
    else:
        until = _moment("end_date", end, zone) if end else now
        since = until - SPAN
    if since > until:
        raise Problem(400, "date_order")
    if until - since > SPAN:
        raise Problem(400, "date_span", days=SPAN.days)
    return since, until


def parse_query(params: Mapping[str, str], now: datetime, zone: ZoneInfo) -> Query:
    """The filters of GET requests, or a Problem (400) naming the one that is wrong."""
    size, offset = paging(params)
    numbers = _listed(params.get("service_request_id"))
    if numbers:
        return Query(numbers=numbers[:MAX_IDS], limit=size, offset=offset)
    statuses = _listed(params.get("status"))
    for status in statuses:
        if status not in ("open", "closed"):
            raise Problem(400, "status", value=status[:20])
    wanted = None if len(set(statuses)) != 1 else statuses[0] == "open"
    since, until = window(params, now, zone)
    return Query(categories=_listed(params.get("service_code")) or None, open=wanted, since=since, until=until,
                 limit=size, offset=offset)


@lru_cache(maxsize=4096)
def _labels(kabupaten: Kabupaten, kecamatan: str, category: str | None, state: str,
            locale: str) -> tuple[Profile, str | None, str]:
    """The kecamatan's profile, the category's and the state's words: the same few for every row of a page."""
    profile = kabupaten.profile(kecamatan)
    found = profile.category(category) if category else None
    return profile, found.label_for(locale) if found else None, text(f"state.{state}", locale)


def request_row(case: PublicCase, kabupaten: Kabupaten, locale: str, media_url: str | None) -> dict[str, Value]:
    """One request as GET requests answers it, the issue's fields in the specification's order."""
    profile, service_name, status_notes = _labels(kabupaten, case.kecamatan, case.category, case.state.value, locale)
    zone = profile.zone
    where = ", ".join(part for part in (case.desa, profile.name) if part)  # never the address the citizen typed
    return {
        "service_request_id": case.number,
        "status": "open" if case.open else "closed",
        "status_notes": status_notes,
        "service_name": service_name,
        "service_code": case.category,
        "description": case.description[:4000] if case.checked else text("open311.unchecked", locale),
        "agency_responsible": case.agency or profile.name,
        "requested_datetime": w3c(case.requested_at, zone),
        "updated_datetime": w3c(case.updated_at, zone),
        "expected_datetime": w3c(case.expected_at, zone) if case.state in SOLVING else None,
        "address": where,
        "zipcode": None,
        "lat": case.lat,
        "long": case.long,
        "media_url": media_url,
    }
