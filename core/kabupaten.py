"""The install: one kabupaten and its kecamatan (the tenants), loaded and checked as one set.

A kabupaten file names its kecamatan profiles (paths relative to it), what they share (`[defaults]`:
any profile key, e.g. categories, SLAs, office hours and cuti bersama) and the agencies cases are
forwarded to. A profile's own value wins over the shared one; a category the profile lists again by
code is merged over the shared entry (an override: `{ code = "sampah", sla = { resolve = "1d" } }`).
A kecamatan profile given alone (KECAMATAN_PROFILE) is a kabupaten of one.

A kabupaten may also run one number for all of its kecamatan (`[whatsapp] phone_id`): a citizen writing
to it is asked where the problem is (a shared location, a typed desa, or a pick from lists), and the
report then goes to that kecamatan. `nearest_within` is how far from a desa's centroid a shared
location may be and still be that desa's (for desa without a boundary); where no desa is that near, how
far from a kecamatan's `office` it may be to be that kecamatan's (whose desa is then asked).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError

from core.domain.places import Place
from core.domain.sla import Span
from core.profile import Profile, ProfileError, SpanField, Strict, describe_error, load_profile

SAMPLE_KABUPATEN = Path(__file__).parent / "profiles" / "takalar" / "kabupaten.toml"


DEFAULT_AGENCY_SLA = Span(days=5)  # SP4N-LAPOR!: five working days to coordinate and answer


class Agency(Strict):
    """An office outside the kecamatan that fixes things (a dinas, a BUMD, a vertical office)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")
    name: str = Field(min_length=1, max_length=60)
    kind: Literal["opd", "bumd", "vertical"]
    categories: list[str] = Field(default_factory=list)  # the categories it usually takes
    telegram_chat_id: int | None = None  # its group; without one the desk records its answers
    sla: SpanField = DEFAULT_AGENCY_SLA
    contact: str = Field(default="", max_length=200)  # for an agency without Telegram: whom the desk calls

    @property
    def has_group(self) -> bool:
        """Whether it works its cases in its own Telegram group (else the desk records for it)."""
        return self.telegram_chat_id is not None


class KabupatenStaff(Strict):
    """A person who holds a kabupaten role, named in the kabupaten file (`lapor-camat run` and `staff sync`
    give them the role; the console or the CLI can still deactivate them, and that stands)."""

    telegram_id: int = Field(gt=0)
    name: str = Field(min_length=1, max_length=60)
    role: Literal["kabupaten_admin", "inspektorat"]


class KabupatenTelegram(Strict):
    chat_id: int | None = None  # the kabupaten's chat: the third escalation level and its digest
    digest_time: time = time(7, 0)  # when the kecamatan comparison is sent, local time


_DISTANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km|m)\s*$")


def _parse_distance(value: object) -> float:
    """Metres from "3km", "500m" or a number of metres."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _DISTANCE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a distance like '3km' or '500m'")
    return float(match[1]) * (1000 if match[2] == "km" else 1)


class KabupatenWhatsApp(Strict):
    """The kabupaten-wide number: citizens writing to it are routed to their kecamatan."""

    phone_id: str = Field(pattern=r"^\d{5,20}$")
    nearest_within: Annotated[float, BeforeValidator(_parse_distance), Field(gt=0, le=50_000)] = 3000.0


class KabupatenFile(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,40}$")
    name: str = Field(min_length=1)
    timezone: str = "Asia/Makassar"
    country: str = "ID"
    kecamatan: list[str] = Field(min_length=1)
    defaults: dict[str, Any] = Field(default_factory=dict)
    agencies: list[Agency] = Field(default_factory=list)
    telegram: KabupatenTelegram = KabupatenTelegram()
    whatsapp: KabupatenWhatsApp | None = None
    staff: list[KabupatenStaff] = Field(default_factory=list)


class Kabupaten:
    """Every kecamatan of the install, found by code, WhatsApp number or Telegram chat."""

    def __init__(self, code: str, name: str, profiles: list[Profile], agencies: list[Agency] | None = None,
                 telegram: KabupatenTelegram | None = None, whatsapp: KabupatenWhatsApp | None = None,
                 staff: list[KabupatenStaff] | None = None) -> None:
        if not profiles:
            raise ValueError("a kabupaten needs at least one kecamatan")
        self.code, self.name = code, name
        self.profiles = {p.code: p for p in profiles}
        self.agencies = list(agencies or [])
        self.telegram = telegram or KabupatenTelegram()
        self.whatsapp = whatsapp  # the kabupaten-wide number, if it runs one
        self.staff = list(staff or [])  # the kabupaten roles the file gives (core.usecases.staff.sync_kabupaten_staff)

    @classmethod
    def of_one(cls, profile: Profile) -> Kabupaten:
        """A single kecamatan profile as an install (today's file: a kabupaten of one)."""
        name = profile.kabupaten or profile.name
        code = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40] or profile.code
        return cls(code, name, [profile], [_named_agency(n) for n in profile.agencies])

    def __iter__(self) -> Iterator[Profile]:
        return iter(self.profiles.values())

    def __len__(self) -> int:
        return len(self.profiles)

    @property
    def first(self) -> Profile:
        return next(iter(self.profiles.values()))

    def profile(self, code: str) -> Profile:
        """The kecamatan `code`; "" (a row from before kabupaten installs) is the only kecamatan of one."""
        if not code and len(self.profiles) == 1:
            return self.first
        try:
            return self.profiles[code]
        except KeyError:
            raise KeyError(f"no kecamatan {code!r} in {self.name} (known: {', '.join(self.profiles)})") from None

    @cached_property
    def _by_chat(self) -> dict[int, Profile]:
        return {chat: p for p in self for chat in (p.telegram.desk_chat_id, *p.telegram.field_chat_ids)}

    def by_chat(self, chat_id: int) -> Profile | None:
        """The kecamatan whose desk or field group this is."""
        return self._by_chat.get(chat_id)

    def by_phone_id(self, phone_id: str, default: str | None = None) -> Profile | None:
        """The kecamatan answering on this WhatsApp number; `default` is the install's own number
        (WHATSAPP_PHONE_ID), which a kabupaten of one answers on when its profile names none."""
        for p in self:
            if p.whatsapp_phone_id == phone_id:
                return p
        if len(self.profiles) == 1 and self.first.whatsapp_phone_id is None and phone_id == default:
            return self.first
        return None

    def phone_ids(self, default: str | None = None) -> frozenset[str]:
        """Every WhatsApp number the install answers on."""
        own = {p.whatsapp_phone_id for p in self if p.whatsapp_phone_id}
        if len(self.profiles) == 1 and not own and default:
            own.add(default)
        if self.whatsapp is not None:
            own.add(self.whatsapp.phone_id)
        return frozenset(own)

    def is_kabupaten_line(self, phone_id: str) -> bool:
        """Whether this is the kabupaten-wide number (whose citizens are routed to their kecamatan)."""
        return self.whatsapp is not None and phone_id == self.whatsapp.phone_id

    @cached_property
    def places(self) -> tuple[Place, ...]:
        """Every desa of every kecamatan, in the file's order."""
        return tuple(Place(p.code, d.name, d.centroid, d.boundary) for p in self for d in p.desa)

    @cached_property
    def offices(self) -> dict[str, tuple[float, float]]:
        """Each kecamatan's office (lat, lon), of the profiles that give one."""
        return {p.code: p.office for p in self if p.office is not None}

    def profile_named(self, words: str) -> Profile | None:
        """The kecamatan a person typed: its code, name ("Kecamatan Galesong", "galesong") or ticket prefix,
        case and spaces aside; None when none is meant."""
        def plain(name: str) -> str:
            return "".join(name.casefold().removeprefix("kecamatan").split()).replace("_", "")

        wanted = plain(words)
        return next((p for p in self if wanted and wanted in {plain(p.code), plain(p.name), plain(p.ticket_prefix)}),
                    None)

    def by_prefix(self, ticket_prefix: str) -> Profile | None:
        """The kecamatan whose ticket numbers start with this prefix."""
        return next((p for p in self if p.ticket_prefix == ticket_prefix.upper()), None)

    def agency(self, code: str) -> Agency | None:
        return next((a for a in self.agencies if a.code == code), None)

    def agency_name(self, code: str | None) -> str | None:
        """An agency by name: one the file no longer lists (or a case forwarded before agencies were data,
        stored by name) as stored; None for no agency."""
        if not code:
            return None
        found = self.agency(code)
        return found.name if found else code

    def agency_by_chat(self, chat_id: int) -> Agency | None:
        """The agency whose group this is."""
        return next((a for a in self.agencies if a.telegram_chat_id == chat_id), None)

    def shared_chat(self, chat_id: int) -> bool:
        """Whether the chat serves every kecamatan (an agency's group, the kabupaten's chat): an update
        there belongs to the kecamatan of the case it is about."""
        return chat_id == self.telegram.chat_id or self.agency_by_chat(chat_id) is not None


def _named_agency(name: str) -> Agency:
    """An agency a kecamatan profile names in words (`agencies = ["PLN", "Dinas PU"]`): no group, the
    usual follow-up time; a kabupaten file describes agencies in full."""
    code = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:31]
    return Agency(code=code if re.match(r"^[a-z][a-z0-9_]{1,30}$", code) else f"a_{code}"[:31], name=name[:60],
                  kind="opd")


def _read(path: Path, hint: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(path, [f"file not found ({hint})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, [f"not valid TOML: {exc}"]) from None


def _merged(shared: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """A profile's keys over the kabupaten's defaults; categories merged by code."""
    out = {**shared, **own}
    if isinstance(shared.get("categories"), list) and isinstance(own.get("categories"), list):
        by_code = {c.get("code"): c for c in shared["categories"] if isinstance(c, dict)}
        for entry in own["categories"]:
            code = entry.get("code") if isinstance(entry, dict) else None
            by_code[code] = {**by_code.get(code, {}), **entry} if isinstance(entry, dict) else entry
        out["categories"] = list(by_code.values())
    return out


def load_kabupaten(path: Path) -> Kabupaten:
    """Read a kabupaten file and every profile it names, or raise ProfileError with one line per fault,
    each naming the file and the key."""
    data = _read(path, "set KABUPATEN_FILE to a kabupaten TOML file")
    try:
        head = KabupatenFile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(path, [describe_error(e) for e in exc.errors()]) from None
    shared = {**head.defaults, "kabupaten": head.name, "timezone": head.timezone, "country": head.country}
    if head.agencies:
        shared["agencies"] = [a.name for a in head.agencies]
    problems: list[str] = []
    loaded: list[tuple[Path, Profile]] = []
    for entry in head.kecamatan:
        file = (path.parent / entry).resolve()
        try:
            own = _read(file, f"named in {path.name}'s kecamatan list")
            for key in ("timezone", "country", "kabupaten"):
                if key in own and own[key] != shared[key]:
                    problems.append(f"{entry}: {key} = {own[key]!r} differs from the kabupaten's {shared[key]!r}")
            loaded.append((file, Profile.model_validate(_merged(shared, own))))
        except ProfileError as exc:
            problems += [f"{entry}: {p}" for p in exc.problems]
        except ValidationError as exc:
            problems += [f"{entry}: {describe_error(e)}" for e in exc.errors()]
    problems += _clashes(path, loaded, head)
    if len(loaded) == len(head.kecamatan):  # a profile that failed to load would make its categories "unknown"
        problems += _agency_categories(path, loaded, head)
    if problems:
        raise ProfileError(path, problems)
    return Kabupaten(head.code, head.name, [p for _, p in loaded], head.agencies, head.telegram, head.whatsapp,
                     head.staff)


def _clashes(path: Path, loaded: list[tuple[Path, Profile]], head: KabupatenFile) -> list[str]:
    """What two kecamatan may not share: code, ticket prefix, a Telegram chat, a WhatsApp number, a desa."""
    problems: list[str] = []
    owners: dict[tuple[str, object], str] = {}

    def claim(kind: str, value: object, who: str, where: str) -> None:
        first = owners.setdefault((kind, value), who)
        if first != who:
            problems.append(f"{who}: {where} {value!r} is also {first}'s ({kind} must differ between kecamatan)")

    for file, p in loaded:
        who = file.name
        claim("code", p.code, who, "code")
        claim("ticket prefix", p.ticket_prefix, who, "ticket_prefix")
        claim("chat", p.telegram.desk_chat_id, who, "telegram.desk_chat_id")
        for chat in p.telegram.field_chat_ids:
            claim("chat", chat, who, "telegram.field_chat_ids")
        if p.whatsapp_phone_id:
            claim("WhatsApp number", p.whatsapp_phone_id, who, "whatsapp_phone_id")
        for desa in p.desa:
            claim("desa", desa.name.casefold(), who, "desa")
    if head.telegram.chat_id is not None:
        claim("chat", head.telegram.chat_id, path.name, "telegram.chat_id")
    for agency in head.agencies:
        if agency.telegram_chat_id is not None:
            claim("chat", agency.telegram_chat_id, path.name, f"agency {agency.code}'s telegram_chat_id")
    if head.whatsapp is not None:  # its conversations are keyed by the kabupaten's code, beside the kecamatan's
        claim("WhatsApp number", head.whatsapp.phone_id, path.name, "whatsapp.phone_id")
        claim("code", head.code, path.name, "code")
    codes = [a.code for a in head.agencies]
    problems += [f"{path.name}: agency {c!r} appears twice" for c in sorted({c for c in codes if codes.count(c) > 1})]
    people = [s.telegram_id for s in head.staff]
    problems += [f"{path.name}: staff telegram_id {t} appears twice (one entry per person)"
                 for t in sorted({t for t in people if people.count(t) > 1})]
    return problems


def _agency_categories(path: Path, loaded: list[tuple[Path, Profile]], head: KabupatenFile) -> list[str]:
    """An agency's usual categories must be categories of the install (of at least one kecamatan)."""
    known = {c.code for _, p in loaded for c in p.categories}
    return [f"{path.name}: agencies[{i}].categories: {code!r} (agency {agency.code!r}) is no kecamatan's category"
            for i, agency in enumerate(head.agencies) for code in agency.categories if code not in known]


def sole_kecamatan(kabupaten_file: Path | None, kecamatan_profile: Path | None) -> str | None:
    """The code of the install's kecamatan when it has exactly one (what older rows belong to), else None."""
    try:
        install = load_install(kabupaten_file, kecamatan_profile)
    except ProfileError:
        return None
    return install.first.code if len(install) == 1 else None


def load_install(kabupaten_file: Path | None, kecamatan_profile: Path | None) -> Kabupaten:
    """The install the settings name: a kabupaten file, or one kecamatan profile; naming neither is an error."""
    if kabupaten_file is not None and kecamatan_profile is not None:
        raise ProfileError(kabupaten_file, ["set KABUPATEN_FILE or KECAMATAN_PROFILE, not both"])
    if kabupaten_file is not None:
        return load_kabupaten(kabupaten_file)
    if kecamatan_profile is not None:
        return Kabupaten.of_one(load_profile(kecamatan_profile))
    raise ProfileError(Path("(the settings)"), ["no kecamatan configured: set KECAMATAN_PROFILE to a kecamatan profile "
                                      "or KABUPATEN_FILE to a kabupaten file (samples: core/profiles/)"])
