"""POST requests: an outside system's report, filed through the same submit use case as a WhatsApp report.

It lands on the desk as `received` and is verified there like any other. The channel is recorded in the
ticket's `source_ref` (`open311:<token>`; there is no channel column). A reporter who gives a phone number
is that number's citizen (the one WhatsApp knows, told of the case there, under the same daily limit);
one who gives none is a citizen of their own without a number (`wa_id` "o311-…", never a WhatsApp id),
and the report is anonymous: the desk sees no identity. Email, device and account ids are not kept.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from core.context import Context
from core.db.models import Citizen
from core.domain.errors import InvalidInput
from core.domain.people import Actor, InvalidPhone, normalise_phone
from core.domain.reports import NewReport, Privacy
from core.kabupaten import Kabupaten
from core.usecases.citizen import Submitted, TooManyReports, citizen_actor, submit_ticket
from open311.render import Problem
from open311.services import DESA, scope

CHANNEL = "open311"
MAX_DESCRIPTION = 4000
NO_PHONE = "o311-"  # the wa_id prefix of a reporter without a number (digits only are WhatsApp's)


@dataclass(frozen=True)
class Filed:
    submitted: Submitted
    token: str


def tenant(kabupaten: Kabupaten, form: Mapping[str, str]) -> str:
    """The kecamatan a report goes to: its jurisdiction_id, the install's only one, or the one holding its desa."""
    jurisdiction = form.get("jurisdiction_id", "").strip()
    if jurisdiction or len(kabupaten) == 1:
        return scope(kabupaten, jurisdiction)[0].code
    desa = form.get(f"attribute[{DESA}]", "").strip().casefold()
    holder = next((p.kecamatan for p in kabupaten.places if desa and p.desa.casefold() == desa), None)
    if holder is None:
        raise Problem(400, "jurisdiction_missing", known=", ".join(kabupaten.profiles))
    return holder


def _position(form: Mapping[str, str]) -> tuple[float | None, float | None]:
    lat, lon = form.get("lat", "").strip(), form.get("long", "").strip()
    if not lat and not lon:
        return None, None
    try:
        values = float(lat), float(lon)
    except ValueError:
        raise Problem(400, "position") from None
    if not all(math.isfinite(v) for v in values) or not (-90 <= values[0] <= 90 and -180 <= values[1] <= 180):
        raise Problem(400, "position")
    return values


def new_report(here: Context, form: Mapping[str, str], token: str) -> NewReport:
    """The report the form describes, checked against the kecamatan's profile, or a Problem."""
    code = form.get("service_code", "").strip()
    if not code:
        raise Problem(400, "service_missing")
    if here.profile.category(code) is None:
        raise Problem(404, "service_unknown", value=code[:40])
    lat, lon = _position(form)
    address = " ".join(form.get("address_string", "").split())[:300]
    if lat is None and not address:
        raise Problem(400, "location")
    description = form.get("description", "").strip()
    if not description or len(description) > MAX_DESCRIPTION:
        raise Problem(400, "description", most=MAX_DESCRIPTION)
    desa = form.get(f"attribute[{DESA}]", "").strip()
    found = here.profile.desa_named(desa) if desa else None
    if desa and found is None:
        raise Problem(400, "desa_unknown", value=desa[:40])
    privacy = Privacy.NORMAL if form.get("phone", "").strip() else Privacy.ANONYMOUS
    return NewReport(description=description, category=code, latitude=lat, longitude=lon, address=address,
                     desa=found.name if found else None, privacy=privacy, source_ref=f"{CHANNEL}:{token}")


async def reporter(here: Context, form: Mapping[str, str], token: str) -> Actor:
    """The citizen a report is filed for (see the module's note)."""
    phone = form.get("phone", "").strip()
    if phone:
        try:
            normalise_phone(phone)
        except InvalidPhone:
            raise Problem(400, "phone") from None
        name = " ".join(f"{form.get('first_name', '')} {form.get('last_name', '')}".split())[:100]
        return await citizen_actor(here, phone, name)
    async with here.sessions.begin() as session:
        row = Citizen(wa_id=f"{NO_PHONE}{token[:15]}", name="", locale=here.profile.default_locale,
                      created_at=here.now())
        session.add(row)
        await session.flush()
        return Actor.citizen(row.id)


async def file_report(here: Context, form: Mapping[str, str]) -> Filed:
    """Check the form, find or make its citizen, and submit the report as WhatsApp's intake does."""
    token = secrets.token_hex(16)
    report = new_report(here, form, token)
    try:
        submitted = await submit_ticket(here, await reporter(here, form, token), report)
    except TooManyReports:
        raise Problem(429, "too_many") from None
    except InvalidInput:
        raise Problem(400, "general") from None
    return Filed(submitted, token)
