"""A message whose processing failed: the citizen is told staff will check it, and the desk is told to.

Both rows are written in one transaction, under dedupe keys of the inbox item: a replay of the same
failure (a restart before it was marked) tells nobody twice.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from core.context import Context
from core.domain.people import InvalidPhone, mask_phone, mask_phones_in
from core.inbox import InboxItem
from core.notifications import INTAKE_FAILED_KIND, queue
from core.texts import text
from core.usecases.citizen import citizen_actor
from reporter_bot import store, tickets
from reporter_bot.render import REPLY
from reporter_bot.webhook_body import Incoming, line_of, parse

log = logging.getLogger(__name__)
EXCERPT = 500  # characters of the message shown to the desk


async def report_failure(ctx: Context, item: InboxItem, lines: frozenset[str] | None) -> None:
    """Apologise to the sender and show the message to the desk: the ticket's number if the citizen has
    an open one (never with the number then: the reporter may be anonymous), else the masked number."""
    try:
        # The failed turn rolled back whole, its record of the message too: the message did open the window.
        actor = await citizen_actor(ctx, item.sender, inbound=True)
        citizen = await store.citizen_info(ctx, actor.id or 0)
        mine = await tickets.open_tickets(ctx, actor.id or 0, followed=False)
        message = _message(item, lines)
        data = {"platform": item.platform, "ref": item.id, "kind": message.type if message else "",
                "text": mask_phones_in(message.text[:EXCERPT]) if message else "",
                "number": mine[-1].number if mine else None,
                "phone": None if mine or citizen is None else mask_phone(citizen.wa_id),
                "received_at": ctx.now().isoformat()}
        async with ctx.sessions.begin() as session:
            now = ctx.now()
            queue(session, channel="whatsapp", recipient=f"citizen:{actor.id}", kecamatan=ctx.kecamatan, kind=REPLY,
                  data={"text": text("wa.ask.failed", citizen.locale if citizen else "id"), "line": _line(item)},
                  dedupe_key=f"wa:{item.id}:failed", now=now)
            queue(session, channel="telegram", recipient="chat:desk", kecamatan=ctx.kecamatan, kind=INTAKE_FAILED_KIND,
                  data=data, dedupe_key=f"{INTAKE_FAILED_KIND}:{item.platform}:{item.id}", now=now)
    except (InvalidPhone, IntegrityError):
        log.warning("could not tell the sender and the desk about a failed update", extra={"inbox_id": item.id})
    except Exception:  # telling must never take the worker down with it
        log.exception("could not tell the sender and the desk about a failed update", extra={"inbox_id": item.id})


def _line(item: InboxItem) -> str:
    """The business number the failed message came to: the apology goes out from it."""
    try:
        return line_of(item.payload)
    except Exception:  # the failure may have been reading it
        return ""


def _message(item: InboxItem, lines: frozenset[str] | None) -> Incoming | None:
    """The (first) message of the item, if it can be read at all."""
    try:
        messages, _ = parse(item.payload, lines)
    except Exception:  # the failure may have been reading it
        return None
    return messages[0] if messages else None
