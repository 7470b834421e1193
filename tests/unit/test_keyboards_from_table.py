"""Every card's buttons are the lifecycle's answer: walk every (state, chat, assigned or not, agency)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from core.domain.lifecycle import (
    AGENCY_WORK,
    ALLOWED_ROLES,
    CHAT_ROLES,
    DESK_RECORDS,
    Action,
    Chat,
    ReportType,
    Role,
    Snapshot,
    TicketState,
    offered,
    transitions,
)
from core.kabupaten import SAMPLE_KABUPATEN, load_kabupaten
from officer_bot.keyboards import AGENCY_BUTTONS, BUTTONS, LAYOUT, card_keyboard

OFFICER_ID = 7
TAKALAR = SimpleNamespace(kabupaten=load_kabupaten(SAMPLE_KABUPATEN))  # PUPR has a group, PLN has none
AGENCIES = (None, "pupr", "pln")


def _card(state: TicketState, assignee: int | None, agency: str | None = None,
          holder: str | None = None, kind: ReportType = ReportType.COMPLAINT) -> SimpleNamespace:
    return SimpleNamespace(id=1, number="PTL-000001", state=state.value, reporter_id=3, assignee_id=assignee,
                           forward_agency=agency, agency_holder=holder, report_type=kind.value)


def _shown(chat: Chat, state: TicketState, assignee: int | None, agency: str | None = None,
           holder: str | None = None, kind: ReportType = ReportType.COMPLAINT) -> set[str]:
    keyboard = card_keyboard(TAKALAR, chat.value, _card(state, assignee, agency, holder, kind))  # type: ignore[arg-type]
    return {b.callback_data.split(":")[0] for row in (keyboard.inline_keyboard if keyboard else ()) for b in row}


@pytest.mark.parametrize(("state", "chat", "assignee", "agency", "holder", "kind"),
                         list(itertools.product(TicketState, Chat, (None, OFFICER_ID), AGENCIES, (None, "Budi"),
                                                ReportType)))
def test_a_button_appears_exactly_when_some_role_in_the_chat_may_take_it(
        state: TicketState, chat: Chat, assignee: int | None, agency: str | None, holder: str | None,
        kind: ReportType) -> None:
    expected = set()
    looks = {**BUTTONS, **AGENCY_BUTTONS} if chat is Chat.AGENCY else BUTTONS
    for action, (_, op) in looks.items():
        legal = action in transitions(kind, state)
        role_here = bool(CHAT_ROLES[chat] & ALLOWED_ROLES[action])
        # the field's own work needs the officer holding the ticket, so no one may take it on a free one
        needs_holder = action in (Action.ADD_PROGRESS, Action.RESOLVE, Action.RELEASE, Action.ASK_CITIZEN) \
            and chat is Chat.FIELD and assignee is None
        # an agency works only a case forwarded to it, takes it once, and records nothing through the desk
        not_agencys = chat is Chat.AGENCY and action in AGENCY_WORK and agency is None
        taken = action is Action.AGENCY_ACCEPT and holder is not None
        answers_itself = action in DESK_RECORDS and agency == "pupr"
        if legal and role_here and not (needs_holder or not_agencys or taken or answers_itself) \
                and action in LAYOUT[chat][0]:
            expected.add(op)
    assert _shown(chat, state, assignee, agency, holder, kind) == expected


def test_every_chat_action_has_a_button_and_a_place() -> None:
    for chat, roles in CHAT_ROLES.items():
        takeable = {a for a in BUTTONS if roles & ALLOWED_ROLES[a]}
        if chat is Chat.KABUPATEN:  # its admins act there as the camat does on an escalated case
            takeable = {a for a in BUTTONS if Role.CAMAT in ALLOWED_ROLES[a]}
        assert takeable == set(LAYOUT[chat][0]), chat


def test_the_cards_people_know() -> None:
    """The buttons the officer tests tap, read from the table."""
    assert _shown(Chat.DESK, TicketState.RECEIVED, None) == {"v", "r", "d", "f", "q", "k"}
    assert _shown(Chat.FIELD, TicketState.VERIFIED, None) == {"a"}
    assert _shown(Chat.FIELD, TicketState.IN_PROGRESS, OFFICER_ID) == {"u", "s", "q", "l"}
    assert _shown(Chat.CAMAT, TicketState.VERIFIED, None) == {"cr", "ce", "cc"}
    assert _shown(Chat.DESK, TicketState.RESOLVED, OFFICER_ID) == set()
    assert not offered(Snapshot(TicketState.VERIFIED), Action.ASK_CITIZEN, Chat.FIELD)
    # an aspiration gets its outcome recorded, a question its answer: neither is sent to the field
    assert _shown(Chat.DESK, TicketState.RECEIVED, None, kind=ReportType.ASPIRATION) == {"h", "r", "d", "q", "k"}
    assert _shown(Chat.DESK, TicketState.RECEIVED, None, kind=ReportType.INFO) == {"ia", "r", "d", "q", "k"}
    # with an agency that has a group: Terima until taken, then its work; the desk may take it back
    assert _shown(Chat.AGENCY, TicketState.FORWARDED, None, "pupr") == {"ga", "gu", "gd", "gr"}
    assert _shown(Chat.AGENCY, TicketState.FORWARDED, None, "pupr", "Budi") == {"gu", "gd", "gr"}
    assert _shown(Chat.DESK, TicketState.FORWARDED, None, "pupr") == {"q", "gr"}
    # without one, the desk records its news and its answer
    assert _shown(Chat.DESK, TicketState.FORWARDED, None, "pln") == {"gn", "gs", "q", "gr"}
    assert _shown(Chat.KABUPATEN, TicketState.IN_PROGRESS, OFFICER_ID) == {"cr", "l", "ce", "cc"}
    assert _shown(Chat.AGENCY, TicketState.IN_PROGRESS, OFFICER_ID) == set()
