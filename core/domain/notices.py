"""Who hears of each action on a ticket, on which channel: the one table of notices.

Every change brings every card the ticket already has up to date (a card shows the ticket as it is
now); the table says what each party is told beyond that: the citizen's message (and whether the
ticket's followers get it too), and for each staff chat what is posted there. A staff chat that is
told and has no card of the ticket yet gets one first. The bots only render what this table says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from core.domain.lifecycle import Action, Chat, ReportType, TicketState

A, D, F, C, G, K = Action, Chat.DESK, Chat.FIELD, Chat.CAMAT, Chat.AGENCY, Chat.KABUPATEN
SUBMIT = "submit"  # the event that creates a ticket (not an action on one)


class Post(StrEnum):
    """What a staff chat is sent about a change."""

    CARD = "card"  # the ticket's card (posted if the chat has none yet)
    EXTRAS = "extras"  # the card, then the report's location, photos, voice notes and files under it
    ANSWER = "answer"  # the citizen's answer, under the question it answers (else under the desk card)
    REMINDER = "reminder"  # a reminder under the card: the stage is late
    NOTE = "note"  # a line under the card saying what just happened (e.g. an agency gave the case back)


class Ask(StrEnum):
    """What the reporter's message asks back (followers get the same news without it)."""

    FIXED = "fixed"  # fixed, or not? (two buttons)
    RATING = "rating"  # how was the service? (a list of stars)
    ANSWERED = "answered"  # did this answer the question, or ask again? (two buttons)


@dataclass(frozen=True)
class Notice:
    """What one event tells: `citizen` is the reporter's message kind; `followers` whether followers get it."""

    citizen: str | None = None
    followers: bool = False
    staff: Mapping[Chat, Post] = field(default_factory=lambda: MappingProxyType({}))
    only_if: str | None = None  # the citizen is told only when the event's data holds this flag
    asks: Ask | None = None  # what the reporter's message asks of them
    staff_if: str | None = None  # the staff chats are told only when the event's data holds this flag
    # (flag, chats): these chats are told besides, when the event's data holds the flag
    also_if: tuple[str, Mapping[Chat, Post]] | None = None


def _n(citizen: str | None = None, followers: bool = True, only_if: str | None = None, asks: Ask | None = None,
       staff_if: str | None = None, **staff: Post) -> Notice:
    return Notice(citizen, followers and citizen is not None, MappingProxyType({Chat(k): v for k, v in staff.items()}),
                  only_if, asks, staff_if)


# event (an action, or "submit") -> who hears of it. Followers hear what concerns the problem, not
# what is between the office and the reporter (a question, the rating, a cancellation, the receipt).
NOTICES: dict[str, Notice] = {
    SUBMIT: _n("ticket.received", followers=False, desk=Post.EXTRAS),
    # a new case for the field; the desk hears when no officer of its desa is on duty
    A.VERIFY: replace(_n("ticket.verified", field=Post.CARD),
                      also_if=("nobody_on_duty", MappingProxyType({D: Post.NOTE}))),
    A.REJECT: _n("ticket.rejected"),
    A.MARK_DUPLICATE: _n("ticket.duplicate"),
    A.FORWARD: _n("ticket.forwarded", agency=Post.EXTRAS, staff_if="agency_group"),  # its group, when it has one
    A.ASK_CITIZEN: _n("ticket.question", followers=False),
    A.CITIZEN_ANSWERS: _n(desk=Post.ANSWER),
    A.ACCEPT: _n("ticket.accepted"),
    A.RELEASE: _n(),
    A.ADD_PROGRESS: _n("ticket.progress"),
    A.RESOLVE: _n("ticket.resolved", asks=Ask.FIXED, staff_if="proof_far", desk=Post.NOTE),  # far: the desk checks
    A.CONFIRM_FIXED: _n("ticket.closed", asks=Ask.RATING),
    A.REPORT_NOT_FIXED: _n("ticket.reopened"),
    A.RATE: _n("ticket.rated", followers=False),
    A.CLOSE: _n("ticket.closed"),
    A.AUTO_CLOSE: _n("ticket.closed_auto"),
    A.ESCALATE: _n(),  # staff by level: ESCALATION below
    A.EXTEND_DEADLINE: _n(),
    A.REASSIGN: _n(),
    A.CANCEL: _n("ticket.cancelled", followers=False),
    # A corrected category matters to the citizen when it moves the deadline they were given.
    A.CORRECT: _n("ticket.corrected", only_if="sla_changed"),
    A.AGENCY_ACCEPT: _n("ticket.agency_accepted"),
    A.RETURN: _n("ticket.agency_returned", desk=Post.NOTE),  # the desk decides again
    A.AGENCY_UPDATE: _n("ticket.agency_update"),
    A.AGENCY_ANSWER: _n("ticket.agency_answer", asks=Ask.FIXED),
    A.RECORD_OUTCOME: _n("ticket.outcome", asks=Ask.RATING),  # the outcome in words, and how was it handled?
    A.ANSWER: _n("ticket.answered", followers=False, asks=Ask.ANSWERED),  # between the desk and the asker
}
# (report type, event) -> what it tells instead, where a type's path (lifecycle.PATHS) words an action
# otherwise: a declined aspiration is an outcome like the others, told in its words and asked to rate.
BY_TYPE: dict[tuple[str, str], Notice] = {
    (ReportType.ASPIRATION, A.REJECT): _n("ticket.declined", asks=Ask.RATING),
}


def notice_of(event: str, report_type: str = ReportType.COMPLAINT) -> Notice:
    """The notice of `event` on a ticket of `report_type`: its type's own, else the table's."""
    return BY_TYPE.get((report_type, event)) or NOTICES[event]

# An escalation's staff notices by level: 1 reminds the chat whose stage is late (a case with an agency
# that has no group: the desk, who chases it), 2 goes to the camat, 3 to the kabupaten's chat.
LATE_CHAT: dict[TicketState, Chat] = {TicketState.RECEIVED: D, TicketState.VERIFIED: F, TicketState.IN_PROGRESS: F,
                                      TicketState.FORWARDED: G}
ESCALATION: dict[int, Post] = {1: Post.REMINDER, 2: Post.CARD, 3: Post.CARD}
ESCALATED_TO: dict[int, Chat] = {2: C, 3: K}


@dataclass(frozen=True)
class Owed:
    """The notices one event owes, resolved for its data: the kinds for the reporter and followers
    (None: not told), what the reporter's message asks back, and what each staff chat is sent."""

    reporter: str | None
    followers: str | None
    staff: Mapping[Chat, Post]
    asks: Ask | None = None


def owed(event: str, state: TicketState, data: Mapping[str, Any] | None = None,
         report_type: str = ReportType.COMPLAINT) -> Owed:
    """What `event` owes on a ticket of `report_type` now in `state`, given the event's data."""
    notice, data = notice_of(event, report_type), data or {}
    citizen = notice.citizen if notice.only_if is None or data.get(notice.only_if) else None
    staff = dict(notice.staff) if notice.staff_if is None or data.get(notice.staff_if) else {}
    if notice.also_if is not None and data.get(notice.also_if[0]):
        staff |= notice.also_if[1]
    level = data.get("level")
    if event == A.ESCALATE and isinstance(level, int) and level in ESCALATION:
        chat = ESCALATED_TO.get(level) or LATE_CHAT.get(state)
        if chat is G and data.get("agency_group") is False:
            chat = D
        if chat is not None:
            staff[chat] = ESCALATION[level]
    return Owed(citizen, citizen if notice.followers else None, MappingProxyType(staff),
                notice.asks if citizen else None)
