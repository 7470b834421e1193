"""Settings from the environment and `.env`: one object, checked per component at start."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.db.url import BadDatabaseURL, async_database_url

Component = Literal["database", "whatsapp", "telegram"]

# What each key should look like, shown when it is missing or wrong.
_LOOKS_LIKE: dict[str, tuple[str, str]] = {
    "whatsapp_token": (r"^\S{20,}$", "a Graph API access token from Meta (long, no spaces)"),
    "whatsapp_phone_id": (r"^\d{5,20}$", "the numeric phone number id, e.g. 106540352242922"),
    "whatsapp_waba_id": (r"^\d{5,20}$", "the numeric WhatsApp Business Account id"),
    "whatsapp_app_secret": (r"^[0-9a-fA-F]{32}$", "the 32 hex characters of the Meta app secret"),
    "whatsapp_verify_token": (r"^\S{8,}$", "a string of at least 8 characters you also give Meta"),
    "telegram_bot_token": (r"^\d{3,}:[A-Za-z0-9_-]{20,}$", "a BotFather token like 123456789:AAE…"),
}
_COMPONENT_KEYS: dict[Component, tuple[str, ...]] = {
    "database": (),
    "whatsapp": tuple(k for k in _LOOKS_LIKE if k.startswith("whatsapp_")),
    "telegram": ("telegram_bot_token",),
}


class Settings(BaseSettings):
    """Every setting of one install; secrets are SecretStr so they never print."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite+aiosqlite:///./var/lapor-camat.db")
    # The install: one kecamatan profile, or a kabupaten file naming several (exactly one of the two).
    kecamatan_profile: Path | None = None
    kabupaten_file: Path | None = None
    media_dir: Path = Path("./var/media")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"

    whatsapp_token: SecretStr | None = None
    whatsapp_phone_id: str | None = None
    whatsapp_waba_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "22.0"

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_url: str | None = None  # set: Telegram pushes updates here instead of the bot polling
    # A kecamatan that runs its own bot: "code=token,code=token" (the kabupaten's bot serves every other one,
    # and the shared chats: agency groups, the kabupaten chat).
    telegram_kecamatan_bot_tokens: SecretStr | None = None

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    # This replica's name, the `replica` label on every /metrics sample (empty: HOSTNAME:HTTP_PORT).
    replica_name: str = ""
    # The public address of this server, for the console's sign-in links (default http://HTTP_HOST:HTTP_PORT).
    console_url: str | None = None
    # The console's Peta over a tile server ("https://tile.openstreetmap.org/{z}/{x}/{y}.png"); empty: the
    # offline map (desa outlines only). The attribution the server asks for is shown under the map.
    map_tile_url: str = ""
    map_tile_attribution: str = "© OpenStreetMap contributors"
    map_tile_attribution_url: str = "https://www.openstreetmap.org/copyright"
    # The Open311 GeoReport v2 API (/open311/v2): keys that may POST reports, comma-separated, besides those made
    # with `lapor-camat open311 key-add` (preferred: stored hashed, revocable); reading needs no key.
    open311_api_keys: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """`sqlite:///…`, `postgres://…` and `postgresql://…` mean the async drivers this install runs on."""
        try:
            return async_database_url(value)
        except BadDatabaseURL:
            return value  # kept as given: `database_problem` names it in one line, without a traceback

    def database_problem(self) -> str | None:
        """One line saying why DATABASE_URL cannot be used (never showing its password), or None."""
        try:
            async_database_url(self.database_url)
        except BadDatabaseURL as exc:
            return str(exc)
        return None

    def problems(self, components: tuple[Component, ...]) -> list[str]:
        """One readable line for each key the given components need that is missing or malformed."""
        found = [p for p in (self.database_problem(),) if p]
        for component in components:
            for key in _COMPONENT_KEYS[component]:
                value = getattr(self, key)
                raw = value.get_secret_value() if isinstance(value, SecretStr) else value
                pattern, looks = _LOOKS_LIKE[key]
                if not raw:
                    found.append(f"{key.upper()}: missing; should be {looks}")
                elif not re.match(pattern, raw):
                    found.append(f"{key.upper()}: malformed; should be {looks}")
        if "telegram" in components:
            found += self.kecamatan_bot_problems()
        for key in ("whatsapp_api_url", "telegram_api_url"):
            if not re.match(r"^https?://[^/\s]+", getattr(self, key)):
                found.append(f"{key.upper()}: should be a URL like https://graph.facebook.com")
        return found

    def secrets(self) -> list[str]:
        """The secret values set, so logging can redact them."""
        values = (self.whatsapp_token, self.whatsapp_app_secret, self.whatsapp_verify_token,
                  self.telegram_bot_token, self.telegram_webhook_secret)
        return ([v.get_secret_value() for v in values if v is not None and v.get_secret_value()] + self.open311_keys()
                + list(self.kecamatan_bot_tokens().values()))

    def kecamatan_bot_tokens(self) -> dict[str, str]:
        """Each kecamatan that runs its own bot, with its token (TELEGRAM_KECAMATAN_BOT_TOKENS)."""
        raw = self.telegram_kecamatan_bot_tokens.get_secret_value() if self.telegram_kecamatan_bot_tokens else ""
        pairs = (item.partition("=") for item in raw.split(",") if item.strip())
        return {code.strip(): token.strip() for code, _, token in pairs}

    def kecamatan_bot_problems(self, kecamatan: Collection[str] | None = None) -> list[str]:
        """A line for each malformed entry of TELEGRAM_KECAMATAN_BOT_TOKENS (and each code the install does
        not have, when `kecamatan` is given); never showing a token."""
        key, (pattern, looks) = "TELEGRAM_KECAMATAN_BOT_TOKENS", _LOOKS_LIKE["telegram_bot_token"]
        found, default = [], self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        seen: dict[str, str] = {}
        for code, token in self.kecamatan_bot_tokens().items():
            if not code or not re.match(pattern, token):
                found.append(f"{key}: the entry for {code or '?'!r} should be code=token, the token {looks}")
            elif kecamatan is not None and code not in kecamatan:
                found.append(f"{key}: {code!r} is not a kecamatan of this install (codes: {', '.join(kecamatan)})")
            elif token == default or token in seen:
                other = "TELEGRAM_BOT_TOKEN" if token == default else repr(seen[token])
                found.append(f"{key}: {code!r} has the same token as {other}; a kecamatan's own bot is another bot")
            seen.setdefault(token, code)
        return found

    def open311_keys(self) -> list[str]:
        """The Open311 API keys that may post reports (OPEN311_API_KEYS, comma-separated)."""
        raw = self.open311_api_keys.get_secret_value() if self.open311_api_keys else ""
        return [key.strip() for key in raw.split(",") if key.strip()]


class SettingsError(Exception):
    """Settings could not be read; `problems` has one line per key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def load_settings(overrides: Mapping[str, object] | None = None, *, check_database: bool = True) -> Settings:
    """Read settings from the environment and `.env`, or raise SettingsError naming each bad key.

    Every command needs the database, so an unusable DATABASE_URL is refused here unless the caller
    (check-config) reports it among the other problems itself.
    """
    try:
        settings = Settings(**(overrides or {}))  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(
            [f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']} (got {e.get('input')!r})" for e in exc.errors()]
        ) from None
    if check_database and (problem := settings.database_problem()):
        raise SettingsError([problem])
    return settings
