"""The "whatsapp" outbox channel: the `send` core.outbox's dispatcher calls for each claimed row. It renders,
respects the 24-hour window and maps pywa's errors (officer_bot/channel.py is the "telegram" one).

A message WhatsApp refuses for good falls back, step by step, to what it will take: a smaller
rendition of the photo, the words without the photo, the bare text, then the approved template
(ticket number and status). Only when all of these are refused is the row given up (`Permanent`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
from pywa.errors import ReEngagementMessage, WhatsAppError
from pywa_async.client import WhatsApp
from pywa_async.types.callback import Button, Section, SectionList, SectionRow
from pywa_async.types.templates import TemplateLanguage
from sqlalchemy.ext.asyncio import AsyncSession

from core import metrics
from core.context import Context
from core.db.models import OutboxMessage
from core.images import store_rendition
from core.outbox import Delivery, Failure, Permanent, Record, RetryLater
from core.texts import clip, text
from reporter_bot.outgoing import CAPTION_MAX, TEXT_MAX, Outgoing
from reporter_bot.render import render, short_status, with_follow_ups
from reporter_bot.store import CitizenInfo, citizen_info, record_sent, sent_record, template_sent_for, ticket_line
from reporter_bot.wa_errors import classify

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)
# A held update is looked at again this often (no second template); the citizen's reply releases it at once.
WAIT_FOR_REPLY = timedelta(minutes=10)
REOPEN = "reopen"


def network(exc: httpx.HTTPError) -> RetryLater:
    return RetryLater(f"network: {type(exc).__name__}", failure=Failure.NETWORK)


class WhatsAppChannel:
    """`send` delivers one row, from its kecamatan's number: RetryLater for what waiting may fix, Permanent
    once every fallback was refused."""

    def __init__(self, ctx: Context, wa: WhatsApp, media_dir: Path) -> None:
        self.ctx, self.wa, self.media_dir = ctx, wa, media_dir

    async def _sender(self, delivery: Delivery) -> str | None:
        """The phone number id the row goes out from: the kabupaten-wide number for a reply to a message
        written to it or an update on a ticket the citizen filed through it; else its kecamatan's, else
        (None) the install's own."""
        wide = self.ctx.kabupaten.whatsapp
        if wide is not None:
            if delivery.data.get("line") == wide.phone_id:
                return wide.phone_id
            ticket_id = delivery.ticket_id or delivery.data.get("ticket_id")
            citizen_id = delivery.recipient.removeprefix("citizen:")
            if isinstance(ticket_id, int) and citizen_id.isdigit() \
                    and await ticket_line(self.ctx, ticket_id, int(citizen_id)) == wide.phone_id:
                return wide.phone_id
        return self.ctx.at(delivery.kecamatan).profile.whatsapp_phone_id

    async def send(self, delivery: Delivery) -> Record | None:
        citizen_id = delivery.recipient.removeprefix("citizen:")
        citizen = await citizen_info(self.ctx, int(citizen_id)) if citizen_id.isdigit() else None
        if citizen is None:
            log.error("outbox row for an unknown citizen", extra={"outbox_id": delivery.id})
            return None  # nobody to tell: recorded as sent so later rows are not blocked
        if not citizen.wa_id.isdigit():  # a reporter from another channel (Open311) without a phone number
            log.info("outbox row for a citizen without WhatsApp; not sent", extra={"outbox_id": delivery.id,
                                                                                  "kind": delivery.kind})
            return None
        if not self._in_window(citizen):
            await self._outside_window(delivery, citizen)
        try:
            message = await render(self.ctx.at(delivery.kecamatan), delivery, citizen, self.media_dir)
        except Exception as exc:  # a row that cannot be rendered still owes the citizen the gist: the template
            log.exception("outbox row could not be rendered", extra={"outbox_id": delivery.id})
            return await self._template_instead(delivery, citizen, Permanent(
                Failure.UNEXPECTED, f"render: {type(exc).__name__}: {exc}"))
        refused = Permanent(Failure.UNEXPECTED)
        sender = await self._sender(delivery)
        async with contextlib.aclosing(self._fallbacks(message, citizen.locale, lambda: refused.failure)) as tries:
            async for variant in tries:
                try:
                    wamid = await self._send(citizen.wa_id, variant, sender)
                except ReEngagementMessage:
                    metrics.platform_error("whatsapp", 131047)
                    await self._outside_window(delivery, citizen, platform_said=True)
                except WhatsAppError as exc:
                    outcome = classify(exc, "message")
                    if isinstance(outcome, RetryLater):
                        raise outcome from None
                    refused = outcome
                    log.warning("whatsapp refused a message; falling back",
                                extra={"outbox_id": delivery.id, "error": outcome.detail[:300]})
                except ValueError as exc:  # refused before it left (pywa's own checks): the next try is plainer
                    refused = Permanent(Failure.REFUSED, f"message: {type(exc).__name__}: {exc}")
                except httpx.HTTPError as exc:
                    raise network(exc) from None
                else:
                    return self._follow_ups(delivery, message, sent_record(self.ctx, wamid, delivery.id), sender)
        return self._follow_ups(delivery, message, await self._template_instead(delivery, citizen, refused), sender)

    def _follow_ups(self, delivery: Delivery, message: Outgoing, record: Record, sender: str | None) -> Record:
        """`render.with_follow_ups`; from the kabupaten-wide number, the follow-up rows go out from it too."""
        queued = with_follow_ups(self.ctx, delivery, message, record)
        wide = self.ctx.kabupaten.whatsapp
        if queued is record or wide is None or sender != wide.phone_id:
            return queued

        async def from_the_same_number(session: AsyncSession) -> None:
            await queued(session)
            for row in session.new:  # the rows `queued` just added, not yet flushed
                if isinstance(row, OutboxMessage) and row.dedupe_key.startswith(f"outbox:{delivery.id}:then:"):
                    row.data = {**row.data, "line": sender}
        return from_the_same_number

    async def _fallbacks(self, out: Outgoing, locale: str, failure: Callable[[], Failure]) -> AsyncGenerator[Outgoing]:
        """The message, then what WhatsApp may take instead of it, in that order; `failure` is the last refusal."""
        yield out
        if out.document_path:
            yield out.without_media(text("wa.update.document_not_sent", locale))
        if out.image_path:
            if failure() in (Failure.MEDIA, Failure.MEDIA_TOO_LARGE):
                smaller = await self._smaller(out)
                if smaller is not None:
                    yield smaller
            yield out.without_media(text("wa.update.photo_not_sent", locale))
        plain = out.plain()
        if plain != replace(out, then=()):
            yield plain

    async def _smaller(self, out: Outgoing) -> Outgoing | None:
        """The photo as a JPEG within WhatsApp's 5 MB (made off the loop); None if it cannot be made."""
        try:
            data = Path(out.image_path).read_bytes()
            relative = Path("renditions") / f"{hashlib.sha256(data).hexdigest()}.jpg"
            made = await asyncio.to_thread(store_rendition, self.media_dir, relative, data)
        except OSError:
            log.warning("could not make a smaller photo", exc_info=True)
            return None
        if made is None:
            return None
        return replace(out, image_path=str(self.media_dir / made), image_mime="image/jpeg")

    async def _template_instead(self, delivery: Delivery, citizen: CitizenInfo, refused: Permanent) -> Record:
        """The last fallback: the approved template, for a ticket update not yet announced by one; else give up."""
        if delivery.ticket_id is None or await template_sent_for(self.ctx, delivery.id):
            raise refused
        try:
            sent = await self._template(delivery, citizen)
        except WhatsAppError as exc:
            outcome = classify(exc, "template")
            if isinstance(outcome, RetryLater):
                raise outcome from None
            raise Permanent(refused.failure, f"{refused.detail}; then {outcome.detail}") from None
        except httpx.HTTPError as exc:
            raise network(exc) from None
        log.warning("whatsapp refused a message; the template went instead", extra={"outbox_id": delivery.id})
        return sent_record(self.ctx, sent, delivery.id)

    async def _template(self, delivery: Delivery, citizen: CitizenInfo) -> str:
        """The approved template for a ticket update (its number and status); the wamid."""
        template = self.ctx.at(delivery.kecamatan).profile.templates["ticket_update"]
        params = [delivery.data.get("number") or "-", short_status(delivery, template.language)][:template.params]
        sent = await self.wa.send_template(
            to=citizen.wa_id, sender=await self._sender(delivery), name=template.name,
            language=TemplateLanguage(template.language),
            params=[{"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in params]},
                    {"type": "button", "sub_type": "quick_reply", "index": 0,
                     "parameters": [{"type": "payload", "payload": REOPEN}]}])
        return str(sent.id)

    async def _outside_window(self, delivery: Delivery, citizen: CitizenInfo, platform_said: bool = False) -> None:
        """Send the approved template once (for ticket updates) and hold the row until the citizen writes."""
        if delivery.ticket_id is not None and not await template_sent_for(self.ctx, delivery.id):
            try:
                sent = await self._template(delivery, citizen)
            except WhatsAppError as exc:
                raise classify(exc, "template") from None  # refused for good: the row can never go out
            except httpx.HTTPError as exc:
                raise network(exc) from None
            await record_sent(self.ctx, sent, delivery.id)
        fresh = await citizen_info(self.ctx, citizen.id)
        if not platform_said and fresh is not None and self._in_window(fresh):
            return  # the citizen wrote in the meantime: the rich message can go now
        raise RetryLater("outside the 24-hour window: waiting for the citizen to write", WAIT_FOR_REPLY,
                         Failure.OUTSIDE_WINDOW)

    def _in_window(self, citizen: CitizenInfo) -> bool:
        last = citizen.last_inbound_at
        return last is not None and self.ctx.now() - last < WINDOW

    async def _send(self, to: str, out: Outgoing, sender: str | None) -> str:
        wa, out = self.wa, out.encodable()  # whatever text reached the row (half an emoji), it is sendable now
        if out.document_path and Path(out.document_path).is_file():
            sent = await wa.send_document(to=to, document=Path(out.document_path).read_bytes(),
                                          filename=out.document_name or Path(out.document_path).name,
                                          caption=clip(out.text, CAPTION_MAX) or None,
                                          mime_type=out.document_mime or None, sender=sender)
            return str(sent.id)
        if out.image_path and Path(out.image_path).is_file():
            reply = [Button(title, i) for i, title in out.buttons] or None
            sent = await wa.send_image(to=to, image=Path(out.image_path).read_bytes(), mime_type=out.image_mime,
                                       caption=clip(out.text, CAPTION_MAX), buttons=reply, sender=sender)
            return str(sent.id)
        if out.location_request:
            return str((await wa.request_location(to=to, text=clip(out.text, 1024), sender=sender)).id)
        if out.sections:
            sections = [Section(title, [SectionRow(r.title, r.id, r.description or None) for r in rows])
                        for title, rows in out.sections]
            listed = SectionList(button_title=out.list_button, sections=sections)
            return str((await wa.send_message(to=to, text=out.text, buttons=listed, sender=sender)).id)
        if out.buttons:
            choices = [Button(title, i) for i, title in out.buttons]
            return str((await wa.send_message(to=to, text=out.text, buttons=choices, sender=sender)).id)
        return str((await wa.send_message(to=to, text=clip(out.text, TEXT_MAX), sender=sender)).id)
