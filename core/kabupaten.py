"""The install: one kabupaten and its kecamatan (the tenants), loaded and checked as one set.

A kabupaten file names its kecamatan profiles (paths relative to it), what they share (`[defaults]`:
any profile key, e.g. categories, SLAs, office hours and cuti bersama) and the agencies cases are
forwarded to. A profile's own value wins over the shared one; a category the profile lists again by
code is merged over the shared entry (an override: `{ code = "sampah", sla = { resolve = "1d" } }`).
A kecamatan profile given alone (KECAMATAN_PROFILE) is a kabupaten of one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from core.domain.sla import Span
from core.profile import Profile, ProfileError, SpanField, Strict, describe_error, load_profile

SAMPLE_KABUPATEN = Path(__file__).parent / "profiles" / "takalar" / "kabupaten.toml"


class Agency(Strict):
    """An office outside the kecamatan that fixes things (a dinas, a BUMD, a vertical office)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")
    name: str = Field(min_length=1, max_length=60)
    kind: Literal["opd", "bumd", "vertical"]
    categories: list[str] = Field(default_factory=list)  # the categories it usually takes
    telegram_chat_id: int | None = None  # its group; without one the desk records its answers
    sla: SpanField = Span(days=5)  # SP4N-LAPOR!: five working days to coordinate and answer
    contact: str = Field(default="", max_length=200)  # for an agency without Telegram: whom the desk calls


class KabupatenTelegram(Strict):
    chat_id: int | None = None  # the kabupaten's chat: the third escalation level and its digest
    digest_time: time = time(7, 0)  # when the kecamatan comparison is sent, local time


class KabupatenFile(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,40}$")
    name: str = Field(min_length=1)
    timezone: str = "Asia/Makassar"
    country: str = "ID"
    kecamatan: list[str] = Field(min_length=1)
    defaults: dict[str, Any] = Field(default_factory=dict)
    agencies: list[Agency] = Field(default_factory=list)
    telegram: KabupatenTelegram = KabupatenTelegram()


class Kabupaten:
    """Every kecamatan of the install, found by code, WhatsApp number or Telegram chat."""

    def __init__(self, code: str, name: str, profiles: list[Profile], agencies: list[Agency] | None = None,
                 telegram: KabupatenTelegram | None = None) -> None:
        if not profiles:
            raise ValueError("a kabupaten needs at least one kecamatan")
        self.code, self.name = code, name
        self.profiles = {p.code: p for p in profiles}
        self.agencies = list(agencies or [])
        self.telegram = telegram or KabupatenTelegram()

    @classmethod
    def of_one(cls, profile: Profile) -> Kabupaten:
        """A single kecamatan profile as an install (today's file: a kabupaten of one)."""
        name = profile.kabupaten or profile.name
        code = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40] or profile.code
        return cls(code, name, [profile])

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
        return frozenset(own)

    def agency(self, code: str) -> Agency | None:
        return next((a for a in self.agencies if a.code == code), None)


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
    if problems:
        raise ProfileError(path, problems)
    return Kabupaten(head.code, head.name, [p for _, p in loaded], head.agencies, head.telegram)


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
    codes = [a.code for a in head.agencies]
    problems += [f"{path.name}: agency {c!r} appears twice" for c in sorted({c for c in codes if codes.count(c) > 1})]
    return problems


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
