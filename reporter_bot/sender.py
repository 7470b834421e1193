"""The "whatsapp" outbox dispatcher's `send`: render, respect the 24-hour window, map pywa's errors."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import httpx
from pywa.errors import ReEngagementMessage, ThrottlingError, WhatsAppError
from pywa_async.client import WhatsApp
from pywa_async.types.callback import Button, Section, SectionList, SectionRow
from pywa_async.types.templates import TemplateLanguage

from core.context import Context
from core.outbox import Delivery, Record, RetryLater
from reporter_bot.outgoing import CAPTION_MAX, TEXT_MAX, Outgoing, clip
from reporter_bot.render import render, short_status
from reporter_bot.store import CitizenInfo, citizen_info, record_sent, sent_record, template_sent_for

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)
# A held update is looked at again this often (no second template); the citizen's reply releases it at once.
WAIT_FOR_REPLY = timedelta(minutes=10)
REOPEN = "reopen"


class Sender:
    """Delivers one outbox row; raises RetryLater for everything that should be tried again."""

    def __init__(self, ctx: Context, wa: WhatsApp, media_dir: Path) -> None:
        self.ctx, self.wa, self.media_dir = ctx, wa, media_dir

    async def __call__(self, delivery: Delivery) -> Record | None:
        citizen_id = delivery.recipient.removeprefix("citizen:")
        citizen = await citizen_info(self.ctx, int(citizen_id)) if citizen_id.isdigit() else None
        if citizen is None:
            log.error("outbox row for an unknown citizen", extra={"outbox_id": delivery.id})
            return None  # nobody to tell: recorded as sent so later rows are not blocked
        if not self._in_window(citizen):
            await self._outside_window(delivery, citizen)
        message = await render(self.ctx, delivery, citizen, self.media_dir)
        try:
            wamid = await self._send(citizen.wa_id, message)
        except ReEngagementMessage:
            await self._outside_window(delivery, citizen, platform_said=True)
        except ThrottlingError as exc:
            raise RetryLater(f"rate limited: {exc.code}") from None
        except WhatsAppError as exc:
            raise RetryLater(f"whatsapp error {exc.code}: {exc.message}") from None
        except httpx.HTTPError as exc:
            raise RetryLater(f"network: {type(exc).__name__}") from None
        return sent_record(self.ctx, wamid, delivery.id)

    async def _outside_window(self, delivery: Delivery, citizen: CitizenInfo, platform_said: bool = False) -> None:
        """Send the approved template once (for ticket updates) and hold the row until the citizen writes."""
        if delivery.ticket_id is not None and not await template_sent_for(self.ctx, delivery.id):
            template = self.ctx.profile.templates["ticket_update"]
            params = [delivery.data.get("number") or "-", short_status(delivery, template.language)][:template.params]
            try:
                sent = await self.wa.send_template(
                    to=citizen.wa_id, name=template.name, language=TemplateLanguage(template.language),
                    params=[{"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in params]},
                            {"type": "button", "sub_type": "quick_reply", "index": 0,
                             "parameters": [{"type": "payload", "payload": REOPEN}]}])
            except WhatsAppError as exc:
                raise RetryLater(f"template failed {exc.code}: {exc.message}") from None
            except httpx.HTTPError as exc:
                raise RetryLater(f"network: {type(exc).__name__}") from None
            await record_sent(self.ctx, sent.id, delivery.id)
        fresh = await citizen_info(self.ctx, citizen.id)
        if not platform_said and fresh is not None and self._in_window(fresh):
            return  # the citizen wrote in the meantime: the rich message can go now
        raise RetryLater("outside the 24-hour window: waiting for the citizen to write", WAIT_FOR_REPLY)

    def _in_window(self, citizen: CitizenInfo) -> bool:
        last = citizen.last_inbound_at
        return last is not None and self.ctx.now() - last < WINDOW

    async def _send(self, to: str, out: Outgoing) -> str:
        wa = self.wa
        if out.image_path and Path(out.image_path).is_file():
            reply = [Button(title, i) for i, title in out.buttons] or None
            sent = await wa.send_image(to=to, image=Path(out.image_path).read_bytes(), mime_type=out.image_mime,
                                       caption=clip(out.text, CAPTION_MAX), buttons=reply)
            return str(sent.id)
        if out.location_request:
            return str((await wa.request_location(to=to, text=clip(out.text, 1024))).id)
        if out.sections:
            sections = [Section(title, [SectionRow(r.title, r.id, r.description or None) for r in rows])
                        for title, rows in out.sections]
            listed = SectionList(button_title=out.list_button, sections=sections)
            return str((await wa.send_message(to=to, text=out.text, buttons=listed)).id)
        if out.buttons:
            choices = [Button(title, i) for i, title in out.buttons]
            return str((await wa.send_message(to=to, text=out.text, buttons=choices)).id)
        return str((await wa.send_message(to=to, text=clip(out.text, TEXT_MAX))).id)
