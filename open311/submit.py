"""POST requests: an outside system's report, filed through the same submit use case as a WhatsApp report.

It lands on the desk as `received` and is verified there like any other. The channel and the key that
posted it are recorded in the ticket's `source_ref` (`open311:<key ref>:<token>`; there is no channel
column). Every report's reporter is a citizen of its own without a WhatsApp number (`wa_id` "o311-…", never
a WhatsApp id, so never messaged there): a key holder cannot file in a WhatsApp citizen's name, spend their
daily limit or have them messaged. A phone number or email given is kept only masked (`Citizen.contact`,
for staff), and the report is then a normal one; without either it is anonymous. The name given is kept
only so that the public never reads it (`public.view` masks the reporter's name out of the text); device
and account ids are not kept.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from core.context import Context
from core.db.models import Citizen
from core.domain.errors import InvalidInput
from core.domain.people import Actor, InvalidPhone, mask_phone, normalise_phone
from core.domain.reports import NewReport, Privacy
from core.kabupaten import Kabupaten
from core.usecases.citizen import Submitted, TooManyReports, submit_ticket
from open311.render import Problem
from open311.services import DESA, known, scope

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
        raise Problem(400, "jurisdiction_missing", known=known(kabupaten))
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


def source_ref(key_ref: str, token: str) -> str:
    """What a posted report's ticket records of where it came from: the channel, the key, the token."""
    return f"{CHANNEL}:{key_ref}:{token}"


def new_report(here: Context, form: Mapping[str, str], ref: str) -> NewReport:
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
    privacy = Privacy.NORMAL if form.get("phone", "").strip() or form.get("email", "").strip() else Privacy.ANONYMOUS
    return NewReport(description=description, category=code, latitude=lat, longitude=lon, address=address,
                     desa=found.name if found else None, privacy=privacy, source_ref=ref)


def mask_email(email: str) -> str:
    """An email as staff see it: `daeng@example.id` -> `d***@example.id` (nothing of a text that is no email)."""
    local, at, domain = email.strip().partition("@")
    return f"{local[:1]}***@{domain}"[:60] if at and local and "." in domain else ""


def contact(form: Mapping[str, str]) -> str:
    """The phone number and email the form gives, masked (a phone number that is none is a Problem)."""
    phone, email = form.get("phone", "").strip(), form.get("email", "").strip()
    masked = []
    if phone:
        try:
            masked.append(mask_phone(normalise_phone(phone)))
        except InvalidPhone:
            raise Problem(400, "phone") from None
    if email and mask_email(email):
        masked.append(mask_email(email))
    return " · ".join(masked)


async def reporter(here: Context, form: Mapping[str, str], token: str) -> Actor:
    """The citizen a report is filed for: always one of its own (see the module's note)."""
    reached = contact(form)
    name = " ".join(f"{form.get('first_name', '')} {form.get('last_name', '')}".split())[:100]
    async with here.sessions.begin() as session:
        row = Citizen(wa_id=f"{NO_PHONE}{token[:15]}", name=name, contact=reached,
                      locale=here.profile.default_locale, created_at=here.now())
        session.add(row)
        await session.flush()
        return Actor.citizen(row.id)


async def file_report(here: Context, form: Mapping[str, str], key_ref: str) -> Filed:
    """Check the form, make its citizen, and submit the report as WhatsApp's intake does (`key_ref`: the key's)."""
    token = secrets.token_hex(16)
    report = new_report(here, form, source_ref(key_ref, token))
    try:
        submitted = await submit_ticket(here, await reporter(here, form, token), report)
    except TooManyReports:
        raise Problem(429, "too_many") from None
    except InvalidInput:
        raise Problem(400, "general") from None
    return Filed(submitted, token)
