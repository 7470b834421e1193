"""The catalogue: both locales say the same things, and every refusal has words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import core.domain.errors as errors
import core.domain.lifecycle as lifecycle
from core.domain.lifecycle import Action, TicketState
from core.texts import LOCALES, duration, messages, placeholders, refusal, text, when
from core.usecases.citizen import TooManyReports
from core.usecases.held import HeldNotFound, TooManyHeld

WITA = ZoneInfo("Asia/Makassar")


def test_locales_have_the_same_keys_and_placeholders() -> None:
    indonesian = messages("id")
    for locale in LOCALES:
        other = messages(locale)
        assert other.keys() == indonesian.keys(), locale
        for key, template in indonesian.items():
            assert placeholders(other[key]) == placeholders(template), f"{locale}:{key}"


def test_every_state_has_a_label() -> None:
    for state in TicketState:
        assert text(f"state.{state}") and text(f"state.{state}", "en")


def _refusals() -> list[type[errors.Refused]]:
    found: list[type[errors.Refused]] = [TooManyReports, TooManyHeld, HeldNotFound]
    for module in (errors, lifecycle):
        found += [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, errors.Refused)]
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_refusal_has_words(locale: str) -> None:
    for cls in _refusals():
        assert cls.code in messages(locale), cls


def test_refusal_fills_in_the_state() -> None:
    error = lifecycle.AlreadyTaken(TicketState.IN_PROGRESS, Action.ACCEPT, by="Baso")
    assert refusal(error) == "Sudah diambil oleh Baso."
    assert refusal(lifecycle.IllegalTransition(TicketState.VERIFIED, Action.VERIFY)) == (
        "Laporan ini sudah diverifikasi; tidak ada yang diubah.")
    assert refusal(errors.MissingDetails(fields=["category", "desa"])) == "Lengkapi dulu kategori dan desa/kelurahan."
    assert refusal(errors.MissingDetails(fields=["desa"]), "en") == "Please fill in the village first."


@pytest.mark.parametrize("locale", LOCALES)
def test_every_state_reads_inside_a_sentence(locale: str) -> None:
    """Not the label lowercased: "sudah sedang dikerjakan" and "sudah duplikat" read wrong."""
    for state in TicketState:
        said = refusal(lifecycle.IllegalTransition(state, Action.VERIFY), locale)
        assert text(f"state_phrase.{state}", locale) in said
    said = refusal(lifecycle.IllegalTransition(TicketState.IN_PROGRESS, Action.VERIFY))
    assert said == "Laporan ini sedang dikerjakan; tidak ada yang diubah."
    assert "sudah duplikat" not in refusal(lifecycle.IllegalTransition(TicketState.DUPLICATE, Action.VERIFY))


def test_lengths_of_time_without_zero_parts() -> None:
    assert duration(timedelta(hours=20)) == "20 jam"
    assert duration(timedelta(hours=20, minutes=5)) == "20 jam 5 menit"
    assert duration(timedelta(days=2)) == "2 hari"
    assert duration(timedelta(days=2, hours=3, minutes=59)) == "2 hari 3 jam"
    assert duration(timedelta(minutes=40)) == "40 menit"
    assert duration(timedelta(seconds=20)) == "kurang dari 1 menit"
    assert duration(timedelta(hours=5), "en") == "5 h"


def test_one_word_for_tapping() -> None:
    """The approved template says "Ketuk"; the bot's own Indonesian says the same, never "tap"."""
    tap = re.compile(r"\btap\b", re.IGNORECASE)
    assert [key for key, value in messages("id").items() if tap.search(value)] == []


def test_deadlines_in_words() -> None:
    now = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # Friday 09.00 WITA
    assert when(datetime(2026, 11, 27, 6, 0, tzinfo=UTC), now, WITA) == "hari ini pukul 14.00"
    assert when(datetime(2026, 11, 28, 4, 0, tzinfo=UTC), now, WITA) == "besok pukul 12.00"
    assert when(datetime(2026, 11, 30, 4, 0, tzinfo=UTC), now, WITA) == "Senin, 30 November pukul 12.00"
    assert when(datetime(2026, 11, 30, 4, 0, tzinfo=UTC), now, WITA, "en") == "Monday, 30 November at 12.00"
