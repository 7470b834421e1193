"""The kecamatan profile: everything that differs between kecamatan, loaded from a TOML file."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_data
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.domain.sla import Span, Stage, WorkingCalendar

SAMPLE_PROFILE = Path(__file__).parent / "profiles" / "pattallassang.toml"
_SPAN = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")
_HOURS = re.compile(r"^(\d{2})[:.](\d{2})-(\d{2})[:.](\d{2})$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _parse_span(value: object) -> Span:
    if isinstance(value, Span):
        return value
    match = _SPAN.match(str(value)) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration like '30m', '2h', '3d' or '1d4h'")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return Span(days=days, minutes=hours * 60 + minutes)


def _parse_hours(value: object, may_wrap: bool = False) -> tuple[time, time]:
    match = _HOURS.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not office hours like '07:30-16:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        opens, closes = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise ValueError(f"{value!r}: {exc}") from None
    if closes == opens or (closes < opens and not may_wrap):
        raise ValueError(f"{value!r}: closing time must be after opening time")
    return opens, closes


SpanField = Annotated[Span, BeforeValidator(_parse_span)]
HoursField = Annotated[tuple[time, time], BeforeValidator(_parse_hours)]
# Quiet hours may run past midnight ("21:00-06:00").
NightField = Annotated[tuple[time, time], BeforeValidator(lambda v: _parse_hours(v, may_wrap=True))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class StageSla(Strict):
    verify: SpanField
    accept: SpanField
    resolve: SpanField
    confirm: SpanField = Span(days=3)

    def span(self, stage: Stage) -> Span:
        return getattr(self, stage.value)  # type: ignore[no-any-return]


class Labelled:
    """A profile entry shown to people under an Indonesian label and an English one."""

    # Declared for mypy only: a runtime annotation here would become a pydantic field ahead of `code`.
    if TYPE_CHECKING:
        label: str
        label_en: str

    def label_for(self, locale: str) -> str:
        """The label in the reader's locale (Indonesian unless the reader chose English)."""
        return self.label_en if locale == "en" else self.label


class Category(Strict, Labelled):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")
    group: str
    label: str = Field(min_length=1, max_length=24)
    label_en: str = Field(min_length=1, max_length=24)
    description: str = Field(default="", max_length=72)
    report_type: Literal["complaint", "aspiration", "info"] = "complaint"
    working_time: bool = True
    safety: bool = False
    needs_location: bool = True
    needs_photo: bool = False
    sla: StageSla


class CategoryGroup(Strict, Labelled):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")
    label: str = Field(min_length=1, max_length=24)
    label_en: str = Field(min_length=1, max_length=24)


class Desa(Strict):
    name: str = Field(min_length=1, max_length=24)
    kind: Literal["desa", "kelurahan"] = "desa"
    centroid: tuple[float, float] | None = None  # (lat, lon): where a report without a location is placed
    # The desa's outline as [lat, lon] corners: a location shared with the kabupaten's number inside it is
    # this desa's (without one, the nearest centroid is taken).
    boundary: tuple[tuple[float, float], ...] = ()

    @field_validator("boundary")
    @classmethod
    def _an_area(cls, value: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        if value and len(value) < 3:
            raise ValueError("a boundary needs at least three [latitude, longitude] corners")
        for lat, lon in value:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"[{lat}, {lon}] is not a [latitude, longitude] pair")
        return value


class WorkingHours(Strict):
    mon: HoursField | None = None
    tue: HoursField | None = None
    wed: HoursField | None = None
    thu: HoursField | None = None
    fri: HoursField | None = None
    sat: HoursField | None = None
    sun: HoursField | None = None
    extra_holidays: list[date] = []
    quiet_hours: NightField | None = None

    @model_validator(mode="after")
    def _some_day_open(self) -> WorkingHours:
        if not any(getattr(self, day) for day in WEEKDAYS):
            raise ValueError("at least one weekday needs office hours, e.g. mon = '07:30-16:00'")
        return self


class Shift(Strict):
    """One field officer's weekly duty: the hours of each day they work (a night shift may cross midnight,
    e.g. sat = "20:00-06:00"). Their /tugas in Telegram overrides it until the next start or end of a shift."""

    telegram_id: int
    mon: NightField | None = None
    tue: NightField | None = None
    wed: NightField | None = None
    thu: NightField | None = None
    fri: NightField | None = None
    sat: NightField | None = None
    sun: NightField | None = None

    @model_validator(mode="after")
    def _some_day(self) -> Shift:
        if not any(getattr(self, day) for day in WEEKDAYS):
            raise ValueError(f"the roster of {self.telegram_id} names no day, e.g. mon = '07:30-16:00'")
        return self

    def windows(self, around: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """The shift's spans from the day before `around` to a week after it, in order."""
        today = around.astimezone(zone).date()
        found = []
        for offset in range(-1, 9):
            day = today + timedelta(days=offset)
            hours = getattr(self, WEEKDAYS[day.weekday()])
            if hours:
                ends = day if hours[1] > hours[0] else day + timedelta(days=1)
                found.append((datetime.combine(day, hours[0], zone), datetime.combine(ends, hours[1], zone)))
        return found

    def on(self, now: datetime, zone: ZoneInfo) -> bool:
        return any(start <= now < end for start, end in self.windows(now, zone))

    def next_change(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """When the officer next comes on or goes off duty by the roster."""
        return min((t for span in self.windows(now, zone) for t in span if t > now), default=None)

    def next_start(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """`now` when on duty, else when the next shift starts."""
        if self.on(now, zone):
            return now
        return min((start for start, _ in self.windows(now, zone) if start > now), default=None)


class FieldRoute(Strict):
    """A field group's share of the work: the cases of these desa and/or these categories (an empty list
    matches any). A verified case goes to the first route that matches it, else to the first field group."""

    chat_id: int
    desa: list[str] = []
    categories: list[str] = []

    @model_validator(mode="after")
    def _names_something(self) -> FieldRoute:
        if not self.desa and not self.categories:
            raise ValueError(f"field route of chat {self.chat_id} names no desa and no category "
                             "(the first of field_chat_ids already takes the rest)")
        return self

    def takes(self, desa: str | None, category: str | None) -> bool:
        in_desa = not self.desa or (desa or "").casefold() in {d.casefold() for d in self.desa}
        return in_desa and (not self.categories or category in self.categories)


class TelegramChats(Strict):
    desk_chat_id: int
    field_chat_ids: list[int] = Field(min_length=1)  # the first is the default group
    camat_user_id: int
    field_routes: list[FieldRoute] = []

    def field_chat(self, desa: str | None, category: str | None) -> int:
        """The field group a case of this desa and category goes to (see FieldRoute)."""
        return next((r.chat_id for r in self.field_routes if r.takes(desa, category)), self.field_chat_ids[0])


class Template(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = "id"
    params: int = Field(ge=0, le=10)


class Profile(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,40}$")
    name: str = Field(min_length=1)
    kabupaten: str = ""
    # The kecamatan's Kemendagri code (kode wilayah, e.g. "73.05.07"): Open311's jurisdiction_id, beside `code`.
    kemendagri_code: str | None = Field(default=None, pattern=r"^\d{2}\.\d{2}\.\d{2}$")
    ticket_prefix: str = Field(pattern=r"^[A-Z]{2,5}$")
    timezone: str = "Asia/Makassar"
    country: str = "ID"
    default_locale: Literal["id", "en"] = "id"
    max_photos: int = Field(default=5, ge=0, le=10)
    duplicate_radius_m: float = Field(default=150, gt=0)
    daily_ticket_limit: int = Field(default=5, ge=1)
    privacy_options: list[Literal["normal", "anonymous", "confidential"]] = ["normal"]
    reject_reasons: list[str] = Field(min_length=1)
    agencies: list[str] = []
    # (lat, lon) of the kecamatan office: where maps are centred, and where a kabupaten number places a shared
    # location that no desa holds (the nearest office within `nearest_within`)
    office: tuple[float, float] | None = None
    whatsapp_phone_id: str | None = Field(default=None, pattern=r"^\d{5,20}$")  # this kecamatan's number
    # The same number as citizens dial it (country code first, digits only, e.g. "6281140001234"): the
    # public page's wa.me link and poster QR code. Meta's phone id above is not a number anyone can call.
    whatsapp_number: str | None = Field(default=None, pattern=r"^[1-9]\d{7,14}$")
    extension_days: list[int] = Field(default=[1, 3, 7], min_length=1, max_length=5)  # the camat's extend menu
    extension_max_days: int = Field(default=30, ge=1, le=365)  # the most days one extension may give
    # The officer's location with the proof: asked and required, asked and optional, or not asked; and how
    # near the report's place counts as "at the place" (core/domain/proof.py).
    proof_location: Literal["required", "optional", "off"] = "optional"
    proof_near_m: float = Field(default=200, gt=0, le=50_000)
    # The field officers' weekly duty (by Telegram id); an officer not in it is on duty as /tugas says.
    roster: list[Shift] = []
    # An officer holding more open cases than this is marked on the reassign menu and not suggested.
    officer_open_limit: int = Field(default=8, ge=1, le=500)
    digest_list_limit: int = Field(default=10, ge=1, le=50)  # overdue cases listed by name in the digest
    digest_breakdown_limit: int = Field(default=5, ge=1, le=20)  # rows per breakdown (desa, category; weekly top)
    escalation_grace: SpanField = Span(minutes=60)
    # A case the camat has not acted on this long after its escalation goes to the kabupaten's chat (when
    # the kabupaten file names one), in office time.
    kabupaten_escalation_after: SpanField = Span(days=1)
    uncategorised_verify: SpanField = Span(minutes=120)
    digest_time: time = time(7, 0)
    weekly_summary_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    weekly_summary_time: time = time(7, 30)
    draft_idle: SpanField = Span(minutes=6 * 60)  # an unfinished WhatsApp draft is discarded after this
    outbox_stuck_after: SpanField = Span(minutes=30)  # undelivered this long: reported to the desk
    working_hours: WorkingHours
    telegram: TelegramChats
    templates: dict[str, Template] = {}
    desa: list[Desa] = Field(min_length=1)
    category_groups: list[CategoryGroup] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)

    def shift_of(self, telegram_id: int) -> Shift | None:
        """The officer's weekly roster, if the profile gives one."""
        return next((shift for shift in self.roster if shift.telegram_id == telegram_id), None)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone name like 'Asia/Makassar'") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        _unique("desa", [d.name.casefold() for d in self.desa])
        _unique("category_groups", [g.code for g in self.category_groups])
        _unique("categories", [c.code for c in self.categories])
        groups = {g.code for g in self.category_groups}
        for cat in self.categories:
            if cat.group not in groups:
                raise ValueError(f"category {cat.code!r} names group {cat.group!r}, which is not in category_groups")
        for n, route in enumerate(self.telegram.field_routes):
            where = f"telegram.field_routes[{n}]"
            if route.chat_id not in self.telegram.field_chat_ids:
                raise ValueError(f"{where}: chat {route.chat_id} is not one of telegram.field_chat_ids")
            unknown = [d for d in route.desa if self.desa_named(d) is None]
            if unknown:
                raise ValueError(f"{where}: desa {', '.join(map(repr, unknown))} not in this profile's desa")
            strange = [c for c in route.categories if self.category(c) is None]
            if strange:
                raise ValueError(f"{where}: categories {', '.join(map(repr, strange))} not in this profile's "
                                 "categories")
        if "ticket_update" not in self.templates:
            raise ValueError("templates.ticket_update is required: the approved template for updates after 24 h")
        self._extensions_fit()
        return self

    def _extensions_fit(self) -> None:
        """The camat's extend menu: whole days, each at least 1, in rising order, none past extension_max_days."""
        days = self.extension_days
        if any(d < 1 for d in days):
            raise ValueError(f"extension_days: {days} must be at least 1 day each")
        if days != sorted(set(days)):
            raise ValueError(f"extension_days: {days} must be in rising order without repeats, e.g. [1, 3, 7]")
        if days[-1] > self.extension_max_days:
            raise ValueError(f"extension_days: {days[-1]} is more than extension_max_days ({self.extension_max_days})")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def desa_named(self, name: str) -> Desa | None:
        return next((d for d in self.desa if d.name.casefold() == name.strip().casefold()), None)

    def calendar(self, years: range) -> WorkingCalendar:
        """Office hours with national holidays (from `holidays`) and the profile's own closed days."""
        hours = {i: h for i, day in enumerate(WEEKDAYS) if (h := getattr(self.working_hours, day))}
        national = holiday_data.country_holidays(self.country, years=list(years))
        closed = frozenset(national) | frozenset(self.working_hours.extra_holidays)
        return WorkingCalendar(zone=self.zone, hours=hours, holidays=closed)


def _unique(what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what}: {value!r} appears twice")
        seen.add(value)


class ProfileError(Exception):
    """The profile file is missing or invalid; `problems` holds one readable line per fault."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path, self.problems = path, problems


def load_profile(path: Path) -> Profile:
    """Read and validate a profile, or raise ProfileError naming each fault and where it is."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(path, ["file not found (set KECAMATAN_PROFILE to a profile TOML file, "
                                  "or KABUPATEN_FILE to a kabupaten file)"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, [f"not valid TOML: {exc}"]) from None
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(path, [describe_error(err) for err in exc.errors()]) from None


def describe_error(err: object) -> str:
    assert isinstance(err, dict)
    where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(".[", "[")
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
