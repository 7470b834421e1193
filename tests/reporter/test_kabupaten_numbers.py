"""One webhook for a kabupaten's numbers: each message is handled by the kecamatan whose number it came
to, and a number the install does not serve is acknowledged, logged and never answered."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select

from core.context import Context
from core.db.models import Conversation, InboxUpdate, OutboxMessage
from simulator.whatsapp import sign
from tests.conftest import TAKALAR, in_takalar
from tests.reporter.conftest import APP_SECRET, PHONE_ID, Harness

GALESONG = TAKALAR.profile("galesong").whatsapp_phone_id or ""


def _text_to(phone_id: str, wamid: str, wa_id: str, body: str) -> bytes:
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "62411",
                                                            "phone_number_id": phone_id},
             "contacts": [{"wa_id": wa_id, "user_id": "ID.1", "profile": {"name": "Warga"}}],
             "messages": [{"from": wa_id, "id": wamid, "timestamp": "1", "type": "text", "text": {"body": body}}]}
    return json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}).encode()


@pytest.fixture
def ctx(ctx: Context) -> Context:
    """The reporter bot of these tests serves a Takalar install: the simulator's number is Pattallassang's."""
    home = in_takalar(ctx)
    assert home.profile.whatsapp_phone_id == PHONE_ID
    return home


async def _post(harness: Harness, body: bytes) -> int:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://bot") as client:
        answer = await client.post("/webhook/whatsapp", content=body,
                                   headers={"X-Hub-Signature-256": sign(body, APP_SECRET)})
    await harness.settle()
    return answer.status_code


async def test_a_number_the_install_does_not_serve_is_acknowledged_and_never_answered(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    assert await _post(harness, _text_to("999000111222", "wamid.stranger", "6281300000099", "halo")) == 200
    async with harness.ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert "phone number id no kecamatan answers on ignored" in caplog.text


async def test_a_message_to_a_kecamatans_number_is_that_kecamatans(harness: Harness) -> None:
    harness.sim.add_number(GALESONG, "6241100000002")  # the same WhatsApp Business Account
    citizen = harness.sim.citizen("081300000010")
    await citizen.sends_text("halo")  # to the simulator's default number: Pattallassang's
    await citizen.wait_for(lambda m: m.text is not None and "Kecamatan Pattallassang" in m.text)
    to_galesong = harness.sim.citizen("081300000010", business=GALESONG)  # the same person, another chat
    await to_galesong.sends_text("halo")
    await to_galesong.wait_for(lambda m: m.text is not None and "Kecamatan Galesong" in m.text)
    await harness.settle()
    assert not [m for m in citizen.received if "Galesong" in (m.text or "")]  # never from the wrong number
    async with harness.ctx.sessions() as session:
        conversations = {c.kecamatan for c in await session.scalars(select(Conversation))}
        replies = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "whatsapp").order_by(OutboxMessage.id)))
    assert conversations == {"pattallassang", "galesong"}  # one conversation per number
    assert [r.kecamatan for r in replies] == ["pattallassang", "galesong"]
    assert "Kecamatan Galesong" in replies[1].data["text"]  # greeted as Galesong, to go out from its number
