"""Every enforced Cloud API rule: the real pywa client gets the exception it would get from Meta."""

from __future__ import annotations

import httpx
import pytest
from pywa_async import WhatsApp
from pywa_async.errors import (
    ExpiredAccessToken,
    InvalidParameter,
    MediaUploadError,
    RateLimitHit,
    ReEngagementMessage,
    TemplateNotExists,
    TemplateParamCountMismatch,
    WhatsAppError,
)
from pywa_async.types import Button, Section, SectionList, SectionRow
from pywa_async.types.templates import BodyText, TemplateLanguage

from simulator.whatsapp import Citizen, GraphError, WhatsAppSimulator
from simulator.whatsapp import rules as sim_rules
from tests.simulator import whatsapp_fixtures
from tests.simulator.whatsapp_fixtures import API_URL, FakeClock, graph_session

# pytest fixtures, shared explicitly (no conftest): bot, clock, sim, wa
bot = whatsapp_fixtures.bot
clock = whatsapp_fixtures.clock
sim = whatsapp_fixtures.sim
wa = whatsapp_fixtures.wa

MB = 1024 * 1024


@pytest.fixture
async def citizen(sim: WhatsAppSimulator) -> Citizen:
    person = sim.citizen("081234567890", name="Daeng Ngalle")
    await person.sends_text("halo")  # opens the 24-hour customer service window
    return person


def buttons(*titles: str, ids: list[str] | None = None) -> list[Button]:
    return [Button(title, (ids or [f"b{i}" for i in range(len(titles))])[i]) for i, title in enumerate(titles)]


def one_section(*rows: SectionRow) -> SectionList:
    return SectionList("Pilih", sections=[Section("Kategori", rows=list(rows))])


async def test_reply_buttons_at_most_three(wa: WhatsApp, citizen: Citizen) -> None:
    await wa.send_message(to=citizen.wa_id, text="ok", buttons=buttons("A", "B", "C"))
    with pytest.raises(InvalidParameter) as caught:
        await wa.send_message(to=citizen.wa_id, text="x", buttons=buttons("A", "B", "C", "D"))
    assert caught.value.code == 131009 and caught.value.status_code == 400
    assert "Max: 3" in (caught.value.details or "")


async def test_button_title_at_most_20_chars(wa: WhatsApp, citizen: Citizen) -> None:
    await wa.send_message(to=citizen.wa_id, text="ok", buttons=buttons("x" * 20))
    with pytest.raises(InvalidParameter):
        await wa.send_message(to=citizen.wa_id, text="x", buttons=buttons("x" * 21))


async def test_button_ids_unique(wa: WhatsApp, citizen: Citizen) -> None:
    with pytest.raises(InvalidParameter, match="Duplicate button id"):
        await wa.send_message(to=citizen.wa_id, text="x", buttons=buttons("Ya", "Tidak", ids=["same", "same"]))


async def test_list_rows_at_most_ten_in_total(wa: WhatsApp, citizen: Citizen) -> None:
    rows = [SectionRow(f"Desa {i}", f"d{i}") for i in range(11)]
    await wa.send_message(to=citizen.wa_id, text="ok", buttons=one_section(*rows[:10]))
    with pytest.raises(InvalidParameter):
        await wa.send_message(to=citizen.wa_id, text="x", buttons=one_section(*rows))
    split = SectionList("Pilih", sections=[Section("A", rows=rows[:6]), Section("B", rows=rows[6:])])
    with pytest.raises(InvalidParameter):
        await wa.send_message(to=citizen.wa_id, text="x", buttons=split)


async def test_list_row_title_and_description_lengths(wa: WhatsApp, citizen: Citizen) -> None:
    await wa.send_message(to=citizen.wa_id, text="ok", buttons=one_section(SectionRow("t" * 24, "r", "d" * 72)))
    with pytest.raises(InvalidParameter):
        await wa.send_message(to=citizen.wa_id, text="x", buttons=one_section(SectionRow("t" * 25, "r")))
    with pytest.raises(InvalidParameter):
        await wa.send_message(to=citizen.wa_id, text="x", buttons=one_section(SectionRow("t", "r", "d" * 73)))


async def test_text_at_most_4096_chars(wa: WhatsApp, citizen: Citizen) -> None:
    await wa.send_message(to=citizen.wa_id, text="x" * 4096)
    with pytest.raises(WhatsAppError) as caught:
        await wa.send_message(to=citizen.wa_id, text="x" * 4097)
    assert caught.value.code == 100 and type(caught.value) is WhatsAppError  # pywa has no class for 100


async def test_interactive_body_at_most_1024_chars(wa: WhatsApp, citizen: Citizen) -> None:
    await wa.send_message(to=citizen.wa_id, text="x" * 1024, buttons=buttons("A"))
    with pytest.raises(InvalidParameter):
        await wa.send_message(to=citizen.wa_id, text="x" * 1025, buttons=buttons("A"))


async def test_image_upload_at_most_5_mb(wa: WhatsApp, citizen: Citizen) -> None:
    await wa.send_image(to=citizen.wa_id, image=b"\xff" * (5 * MB), mime_type="image/jpeg")
    with pytest.raises(MediaUploadError, match="size too big") as caught:
        await wa.send_image(to=citizen.wa_id, image=b"\xff" * (5 * MB + 1), mime_type="image/jpeg")
    assert caught.value.code == 131053


@pytest.mark.parametrize(("kind", "mime"), [("audio", "audio/ogg"), ("video", "video/mp4"), ("sticker", "image/webp")])
def test_media_size_limits_per_kind(sim: WhatsAppSimulator, kind: str, mime: str) -> None:
    limit = sim_rules.MEDIA_MAX_BYTES[kind]
    sim.media.put(b"\0" * limit, mime, phone_id=sim.phone_id, by_business=True)
    with pytest.raises(GraphError) as caught:
        sim.media.put(b"\0" * (limit + 1), mime, phone_id=sim.phone_id, by_business=True)
    assert caught.value.code == 131053 and "size too big" in str(caught.value)


async def test_unknown_media_id(wa: WhatsApp, citizen: Citizen) -> None:
    with pytest.raises(MediaUploadError):
        await wa.send_image(to=citizen.wa_id, image="123456789012345")


async def test_bad_token(sim: WhatsAppSimulator, citizen: Citizen) -> None:
    async with graph_session(sim) as session:
        intruder = WhatsApp(phone_id=sim.phone_id, token="stolen-or-expired", session=session)
        with pytest.raises(ExpiredAccessToken) as caught:
            await intruder.send_message(to=citizen.wa_id, text="x")
    assert caught.value.code == 190 and caught.value.status_code == 401


async def test_missing_token(sim: WhatsAppSimulator) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url=API_URL) as client:
        response = await client.post(f"/v23.0/{sim.phone_id}/messages", json={})
    assert response.status_code == 400 and response.json()["error"]["code"] == 104


async def test_wrong_phone_id(wa: WhatsApp, citizen: Citizen) -> None:
    with pytest.raises(WhatsAppError) as caught:
        await wa.send_message(to=citizen.wa_id, text="x", sender="1111111111")
    assert caught.value.code == 100 and caught.value.subcode == 33
    assert "does not exist" in caught.value.message


async def test_free_form_only_within_24_hours(wa: WhatsApp, citizen: Citizen, clock: FakeClock) -> None:
    clock.advance(hours=23, minutes=59)
    await wa.send_message(to=citizen.wa_id, text="masih bisa")
    clock.advance(minutes=1)
    with pytest.raises(ReEngagementMessage) as caught:
        await wa.send_message(to=citizen.wa_id, text="sudah lewat 24 jam")
    assert caught.value.code == 131047
    await citizen.sends_text("saya balas")  # a new inbound message reopens the window
    await wa.send_message(to=citizen.wa_id, text="bisa lagi")


async def test_never_contacted_number_needs_template(wa: WhatsApp, sim: WhatsAppSimulator) -> None:
    with pytest.raises(ReEngagementMessage):
        await wa.send_message(to="6281299990000", text="halo")


async def test_template_must_be_approved_with_right_param_count(
    wa: WhatsApp, sim: WhatsAppSimulator, clock: FakeClock
) -> None:
    target = "6281299990000"
    with pytest.raises(TemplateNotExists) as caught:
        await wa.send_template(
            to=target,
            name="status_laporan",
            language=TemplateLanguage.INDONESIAN,
            params=[BodyText.params("PTL-1")],
        )
    assert caught.value.status_code == 404
    sim.approve_template("status_laporan", language="id", params=2)
    with pytest.raises(TemplateParamCountMismatch):
        await wa.send_template(
            to=target,
            name="status_laporan",
            language=TemplateLanguage.INDONESIAN,
            params=[BodyText.params("PTL-1")],
        )
    with pytest.raises(TemplateNotExists):
        await wa.send_template(
            to=target,
            name="status_laporan",
            language=TemplateLanguage.ENGLISH_US,
            params=[BodyText.params("PTL-1", "selesai")],
        )
    clock.advance(days=30)
    await wa.send_template(
        to=target,
        name="status_laporan",
        language=TemplateLanguage.INDONESIAN,
        params=[BodyText.params("PTL-1", "selesai")],
    )


async def test_throughput_81st_message_in_a_second(wa: WhatsApp, sim: WhatsAppSimulator, citizen: Citizen) -> None:
    now = [1000.0]
    sim.monotonic = lambda: now[0]
    sim.status_webhooks = False
    for i in range(80):
        await wa.send_message(to=citizen.wa_id, text=f"pesan {i}")
    with pytest.raises(RateLimitHit) as caught:
        await wa.send_message(to=citizen.wa_id, text="pesan 81")
    assert caught.value.code == 130429
    now[0] += 1.0
    await wa.send_message(to=citizen.wa_id, text="detik berikutnya")


async def test_injected_failure(wa: WhatsApp, sim: WhatsAppSimulator, citizen: Citizen) -> None:
    sim.fail_next(131000, times=1)
    with pytest.raises(WhatsAppError) as caught:
        await wa.send_message(to=citizen.wa_id, text="x")
    assert caught.value.code == 131000 and caught.value.status_code == 500
    await wa.send_message(to=citizen.wa_id, text="x")
