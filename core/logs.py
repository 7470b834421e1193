"""Structured logs (structlog) that never carry secrets or raw phone numbers."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

import structlog

# Indonesian mobile numbers as people and WhatsApp write them: 08…, 628…, +62 8…
PHONE = re.compile(r"(?<!\d)(?:\+?62|0)[\s-]?8\d(?:[\s-]?\d){6,11}(?!\d)")


def _mask_digits(match: re.Match[str]) -> str:
    """Every digit but the last three becomes *, keeping the separators."""
    keep = sum(c.isdigit() for c in match.group(0)) - 3
    out = []
    for char in match.group(0):
        if char.isdigit() and keep > 0:
            out.append("*")
            keep -= 1
        else:
            out.append(char)
    return "".join(out)


class Redactor:
    """A structlog processor replacing secrets with *** and phone numbers with a masked form."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = [s for s in secrets if len(s) >= 6]

    def scrub(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, "***")
        return PHONE.sub(_mask_digits, value)

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
        return {k: self.scrub(v) if isinstance(v, str) else v for k, v in event.items()}


def configure_logging(level: str = "INFO", fmt: str = "console", secrets: Iterable[str] = ()) -> None:
    """Route structlog and the standard library's logging through one redacting pipeline."""
    redact = Redactor(secrets)
    renderer: Any = (structlog.processors.JSONRenderer() if fmt == "json"
                     else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()))
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],  # logging's `extra=` fields as keys
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, redact, renderer],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Telegram URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per job run is noise
    # SQL statements with their parameters carry message texts and phone numbers: never at INFO/DEBUG.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
