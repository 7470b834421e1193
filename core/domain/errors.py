"""Refusals: an action that was not carried out, with a catalogue key for the person who tried it.

Nothing has changed when one of these is raised; the bots render `code` with `params`.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    code = "error.refused"

    def __init__(self, detail: str = "", **params: Any) -> None:
        super().__init__(detail or self.code)
        self.params = params


class TicketNotFound(Refused):
    code = "error.ticket_not_found"


class OtherKecamatan(Refused):
    """A case of another kecamatan of the install: each kecamatan acts on its own cases only."""

    code = "error.other_kecamatan"


class NotRegistered(Refused):
    code = "error.not_registered"


class NotStaffHere(NotRegistered):
    """Staff of another kecamatan of the install, holding no role in this one (`kecamatan`: its name)."""

    code = "staff_scope.not_registered"


class NotYourTicket(Refused):
    code = "error.not_your_ticket"


class NotAssignee(Refused):
    code = "error.not_assignee"


class ProofRequired(Refused):
    code = "error.proof_required"


class ProofLocationRequired(ProofRequired):
    """The profile asks for the officer's location with the proof (`proof_location = "required"`)."""

    code = "error.proof_location_required"


class MissingDetails(Refused):
    """The ticket lacks details the action needs; `params['fields']` lists them (category, desa)."""

    code = "error.missing_details"


class InvalidInput(Refused):
    code = "error.invalid_input"
