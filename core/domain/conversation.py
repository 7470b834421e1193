"""The steps of a citizen's WhatsApp conversation, as `conversations.step` stores them.

The values are the strings the column has always held (no migration; old rows load as they are).
What the bot asks at each step and which answers it takes is one table: `reporter_bot/steps.py`.
Core knows the steps only to keep the drafts the scheduler may expire apart from those it may not.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    IDLE = "idle"  # no draft: a message starts one, or goes to the citizen's open ticket
    NEW = "new"  # a draft just begun, nothing asked yet
    CATEGORY = "category"
    DESCRIPTION = "description"
    LOCATION = "location"
    DESA = "desa"
    PHOTOS = "photos"
    PRIVACY = "privacy"
    SUMMARY = "summary"  # Kirim · Ubah · Batal
    EDIT = "edit"  # which part to change, after the summary's Ubah
    NEARBY = "nearby"  # a nearby open ticket offered to follow instead
    PICK_TICKET = "pick_ticket"  # which open ticket a message after the report is for
    # Before 0006 a report over the daily limit waited here; it is the citizen's report, not a draft
    # (never expired), and the next message files or holds it.
    HELD = "held"

    @classmethod
    def stored(cls, value: str) -> Step:
        """The step a stored row names; a value this version does not know reads as a draft begun
        (as before: any step but idle is a draft, and the next message asks what is still missing)."""
        try:
            return cls(value)
        except ValueError:
            return cls.NEW


NEVER_EXPIRED = (Step.IDLE, Step.HELD)  # nothing to expire, or a report that is no longer a draft
