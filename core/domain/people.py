"""Who acts on a ticket: citizens by phone number, staff by Telegram id, and the system."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from core.domain.lifecycle import STAFF_ROLES, Role


class InvalidPhone(ValueError):
    """A string that is not a usable phone number."""


def normalise_phone(raw: str, region: str = "ID") -> str:
    """The WhatsApp id (E.164 digits, no plus) of a number written as `08…`, `628…` or `+62…`."""
    text = raw.strip()
    if text.isdigit() and text.startswith("62"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def mask_phone(wa_id: str) -> str:
    """What officers see of a citizen's number: `6281234567890` -> `0812****890`."""
    local = "0" + wa_id[2:] if wa_id.startswith("62") else wa_id
    if len(local) < 8:
        return "*" * len(local)
    return f"{local[:4]}{'*' * (len(local) - 7)}{local[-3:]}"


def staff_view_of_reporter(privacy: str, wa_id: str) -> str:
    """What staff see of a report's citizen: the masked number of a normal report, nothing ("") when
    the citizen chose Anonim or Rahasia or has no WhatsApp number (an Open311 report's reporter: only digits
    are WhatsApp's). Their name is never shown (it is not even in the audit trail)."""
    return mask_phone(wa_id) if privacy == "normal" and wa_id.isdigit() else ""


def mask_phones_in(text: str) -> str:
    """A citizen's free text as officers see it: every phone number in it masked like `mask_phone`."""
    found = list(phonenumbers.PhoneNumberMatcher(text, "ID", leniency=phonenumbers.Leniency.VALID))
    for match in reversed(found):  # from the end, so earlier offsets stay valid
        number = match.number
        wa_id = f"{number.country_code}{number.national_number}"
        text = text[:match.start] + mask_phone(wa_id) + text[match.end:]
    return text


@dataclass(frozen=True)
class Actor:
    """Someone taking an action: `kind` is citizen, staff or system; `id` the row id of that person."""

    kind: str
    id: int | None
    name: str
    roles: frozenset[Role]
    agency: str | None = None  # for an agency's member: the agency's code

    @classmethod
    def citizen(cls, citizen_id: int) -> Actor:
        """A citizen acts without a name: their WhatsApp profile name is theirs, not the audit trail's."""
        return cls("citizen", citizen_id, "", frozenset({Role.CITIZEN}))

    @classmethod
    def staff(cls, staff_id: int, name: str, roles: frozenset[Role]) -> Actor:
        return cls("staff", staff_id, name, roles & STAFF_ROLES)

    @classmethod
    def of_agency(cls, agency: str, name: str) -> Actor:
        """Someone in an agency's group, acting for the agency: named as they are in Telegram (the group
        is the agency's; the kabupaten file names it)."""
        return cls("agency", None, name, frozenset({Role.AGENCY}), agency)

    @classmethod
    def system(cls, name: str = "scheduler") -> Actor:
        return cls("system", None, name, frozenset({Role.SYSTEM}))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles
