"""Callback data: short (`v:123`, `rr:123:2`), never trusted; the op names what a button asks for."""

from __future__ import annotations

from dataclasses import dataclass

from core.db.ids import MAX_ID

# op -> how many integer arguments follow the ticket (or prompt) id
OPS: dict[str, tuple[int, ...]] = {
    "v": (0,),  # verify
    "vc": (1,),  # verify, with category index
    "vd": (1, 2),  # verify, with desa index (and category index)
    "r": (0,),  # reject: reasons menu
    "rr": (1,),  # reject with reason index
    "rw": (0,),  # reject: write a reason
    "d": (0,),  # duplicate: pick original
    "dd": (1,),  # duplicate of ticket id
    "dw": (0,),  # duplicate: type the number
    "f": (0,),  # forward: agencies menu
    "fa": (1,),  # forward to agency index
    "q": (0,),  # ask the reporter
    "k": (0,),  # correct: what to correct (category or desa)
    "kc": (0, 1),  # correct the category: the menu, or with its index
    "kd": (0, 1),  # correct the desa: the menu, or with its index
    "a": (0,),  # accept
    "u": (0,),  # progress (deep link)
    "s": (0,),  # resolve (proof prompt)
    "l": (0,),  # release
    "cr": (0,),  # camat: reassign menu
    "co": (1,),  # camat: reassign to staff id
    "ce": (0,),  # camat: extend menu
    "cx": (1,),  # camat: extend by days
    "cc": (0,),  # camat: close (reason prompt)
    "ga": (0,),  # agency: accept (Terima)
    "gu": (0,),  # agency: progress (prompt)
    "gd": (0,),  # agency: done (prompt)
    "gr": (0,),  # agency or desk: give back to the kecamatan (reason prompt)
    "gn": (0,),  # desk: record an agency's news (prompt)
    "gs": (0,),  # desk: record an agency's answer (prompt)
    "h": (0,),  # aspiration: outcomes menu
    "ho": (1,),  # aspiration: outcome index (then a year, an agency or a note when it needs one)
    "hy": (2,),  # aspiration: a Musrenbang outcome index and the year's place in core.musrenbang.planning_years
    "hg": (1,),  # aspiration: passed on to agency index
    "ia": (0,),  # information request: answer (prompt)
    "o": (0,),  # open a card from a bundle
    "x": (0,),  # back to the card's own buttons
    "sa": (1,),  # staff registration prompt id: approve with role index
    "sn": (0,),  # staff registration prompt id: decline
    "pk": (1,),  # "which kecamatan?": its place in the kabupaten (from 1), with the command's index
}

PROMPT_TARGETS = frozenset({"sa", "sn"})  # ops whose target is a prompt id, not a ticket's
NOT_TICKETS = PROMPT_TARGETS | {"pk"}  # ops whose target names no ticket


@dataclass(frozen=True)
class Tap:
    op: str
    target: int  # a ticket id, or a prompt id for staff registration
    args: tuple[int, ...] = ()


def encode(op: str, target: int, *args: int) -> str:
    data = ":".join([op, str(target), *map(str, args)])
    assert op in OPS and len(data.encode()) <= 64, data
    return data


def decode(data: str | None) -> Tap | None:
    """The tap, or None for data we never made (forged, or from an older version of the bot)."""
    if not data or len(data) > 64:
        return None
    op, *parts = data.split(":")
    if op not in OPS or len(parts) - 1 not in OPS[op]:
        return None
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return None
    if numbers[0] <= 0 or any(n < 0 or n > MAX_ID for n in numbers):  # indexes are stored in INTEGER too
        return None
    return Tap(op, numbers[0], tuple(numbers[1:]))
