"""Who acts on a ticket: citizens by phone number, staff by Telegram id, and the system."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

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


# Who reads a report's reporter at all (a normal report's masked number, an Open311 reporter's masked contact),
# in Telegram and the console alike. Telegram shows it on the desk's card only: the desk verifies and may have to
# call back, and the camat and admins, who answer for the desk, read what it reads. Field officers, agencies and
# the Inspektorat work from the case, never from the person.
REPORTER_READERS = frozenset({Role.VERIFIER, Role.CAMAT, Role.ADMIN, Role.KABUPATEN_ADMIN})


def reporter_for(roles: Iterable[str], privacy: str, wa_id: str) -> str | None:
    """What a staff member with these roles sees of a report's citizen: None when their role does not read the
    reporter, else `staff_view_of_reporter` ("" when the report does not identify them)."""
    if not set(roles) & REPORTER_READERS:  # a Role equals its value
        return None
    return staff_view_of_reporter(privacy, wa_id)


def mask_phones_in(text: str) -> str:
    """A citizen's free text as officers see it: every phone number in it masked like `mask_phone`."""
    found = list(phonenumbers.PhoneNumberMatcher(text, "ID", leniency=phonenumbers.Leniency.VALID))
    for match in reversed(found):  # from the end, so earlier offsets stay valid
        number = match.number
        wa_id = f"{number.country_code}{number.national_number}"
        text = text[:match.start] + mask_phone(wa_id) + text[match.end:]
    return text


# No valid phone number of any country has fewer digits than this (phonenumbers' metadata: a two-digit
# country code and a four-digit number, e.g. +49 and some German numbers; Indonesian ones have 7 or more),
# and the matcher finds numbers among the text's own digits (`\d`): a text with fewer needs no masking.
FEWEST_PHONE_DIGITS = 6
_ENOUGH_DIGITS = re.compile(rf"\d(?:\D*\d){{{FEWEST_PHONE_DIGITS - 1}}}")
# What the matcher leaves (a number it does not hold valid, e.g. one digit too many): an Indonesian mobile
# number's shape, digits possibly split by spaces, dots or dashes, masked all the same.
_MOBILE_SHAPE = re.compile(r"(?:\+?62|\b0)[\s.-]?8(?:[\s.-]?\d){7,}")
NAME_MASK = "***"
FEWEST_NAME_LETTERS = 3  # a word of the reporter's name shorter than this is too common to mask alone


@lru_cache(maxsize=2048)
def _name_pattern(name: str) -> re.Pattern[str] | None:
    """What finds a reporter's name in a text: the whole name, else each word of it (any case); a page of
    cases mostly repeats a few reporters, so each is compiled once."""
    words = [w for w in re.split(r"\W+", name) if len(w) >= FEWEST_NAME_LETTERS]
    if not words:
        return None
    whole = r"\W+".join(map(re.escape, words))
    return re.compile(rf"(?<!\w)(?:{whole}|{'|'.join(map(re.escape, words))})(?!\w)", re.IGNORECASE)


def _mask_name(text: str, name: str) -> str:
    """`text` with the reporter's name masked."""
    pattern = _name_pattern(name)
    return pattern.sub(NAME_MASK, text) if pattern else text


def public_text(text: str, reporter_name: str = "") -> str:
    """A citizen's free text as anyone may read it: phone numbers masked (`mask_phones_in`, and any left of a
    mobile number's shape), and the reporter's own name masked out."""
    if _ENOUGH_DIGITS.search(text):
        text = _MOBILE_SHAPE.sub(lambda m: "*" * len(m.group(0)), mask_phones_in(text))
    return _mask_name(text, reporter_name) if reporter_name else text


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
