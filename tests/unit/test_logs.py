"""Logs never carry secrets or raw phone numbers."""

from __future__ import annotations

import logging

import pytest
import structlog

from core.logs import Redactor, configure_logging


def test_redactor_masks_numbers_and_secrets() -> None:
    scrub = Redactor(["s3cr3t-token-value"]).scrub
    assert scrub("token=s3cr3t-token-value ok") == "token=*** ok"
    assert scrub("from 6281234567890 and 0812-3456-7890 and +62 812 3456 7890") == (
        "from **********890 and ****-****-*890 and +** *** **** *890")
    assert scrub("ticket PTL-000123 at 2026-11-27 12345") == "ticket PTL-000123 at 2026-11-27 12345"


def test_configured_logging_redacts_structlog_and_stdlib(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json", secrets=["123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"])
    try:
        structlog.get_logger("t").info("sent", url="https://api/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ/x",
                                       to="6281234567890")
        logging.getLogger("lib").warning("citizen 081234567890 wrote")
        err = capsys.readouterr().err
        assert "ABCDEFGHIJ" not in err and "6281234567890" not in err and "081234567890" not in err
        assert '"event": "sent"' in err and "citizen *********890 wrote" in err
    finally:
        logging.getLogger().handlers.clear()
