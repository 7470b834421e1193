"""The kabupaten-wide number: a citizen writing to it has their kecamatan found (a shared location, in a desa
or else near a kecamatan's office, a typed desa, or kecamatan then desa from paged lists); the report goes on
in that kecamatan's flow, is filed there, and is answered from the kabupaten's number, never the kecamatan's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.context import Context
from core.db.models import Conversation, OutboxMessage, Ticket
from core.domain.lifecycle import Role
from core.domain.people import Actor
from core.domain.reports import AttachmentKind, NewAttachment
from core.kabupaten import Kabupaten
from core.profile import Desa
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket, resolve_ticket
from core.usecases.staff import add_staff
from scheduler import expire_drafts, expire_kabupaten_drafts
from simulator.whatsapp.citizen import Citizen
from tests.conftest import TAKALAR
from tests.reporter.conftest import JPEG, PHONE_ID, Harness, has

WIDE = TAKALAR.whatsapp.phone_id if TAKALAR.whatsapp else ""
GALESONG = TAKALAR.profile("galesong").whatsapp_phone_id or ""
BODDIA = ((-5.30, 119.36), (-5.30, 119.38), (-5.32, 119.38), (-5.32, 119.36))  # a square, for the test


def _takalar_with_places() -> Kabupaten:
    """The sample install without its desa centroids (so the offices are what places most points), Boddia
    (Galesong) given a boundary and Bajeng (Pattallassang) a centroid."""
    places: dict[str, dict[str, object]] = {"Boddia": {"boundary": BODDIA}, "Bajeng": {"centroid": (-5.20, 119.50)}}
    profiles = [p.model_copy(update={"desa": [Desa.model_validate({**d.model_dump(), "centroid": None,
                                                                   **places.get(d.name, {})})
                                              for d in p.desa]}) for p in TAKALAR]
    return Kabupaten(TAKALAR.code, TAKALAR.name, profiles, TAKALAR.agencies, TAKALAR.telegram, TAKALAR.whatsapp)


@pytest.fixture
def ctx(ctx: Context) -> Context:
    """The reporter bot serves the Takalar install; the simulator's default number is Pattallassang's."""
    install = _takalar_with_places()
    home = Context(sessions=ctx.sessions, profile=install.profile("pattallassang"), clock=ctx.clock,
                   outbox=ctx.outbox, kabupaten=install)
    assert home.profile.whatsapp_phone_id == PHONE_ID
    return home


@pytest.fixture
def citizen(harness: Harness) -> Citizen:
    harness.sim.add_number(WIDE, "6241100000000")
    harness.sim.add_number(GALESONG, "6241100000002")
    return harness.sim.citizen("081300000020", "Daeng Nai", business=WIDE)


def _number(text: str | None, prefix: str) -> str:
    return next(w for w in (text or "").replace(".", " ").split() if w.startswith(f"{prefix}-"))


async def _to_kirim(citizen: Citizen, asked: bool = False) -> None:
    """From the photo question (`asked`: already seen) to Kirim: no photo, normal privacy."""
    if not asked:
        await citizen.wait_for(lambda m: "Lewati" in m.button_titles)
    await citizen.taps("Lewati")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await citizen.taps("Kirim")


async def test_a_location_inside_a_desa_files_the_report_there_answered_from_the_kabupaten_number(
        harness: Harness, citizen: Citizen) -> None:
    await citizen.sends_text("Sampah menumpuk di pinggir jalan")
    asked = await citizen.wait_for(lambda m: m.kind == "list")
    assert "Kabupaten Takalar" in (asked.text or "") and "Pattallassang" in [r.title for r in asked.rows]
    await citizen.sends_location(-5.31, 119.37)  # inside Boddia's boundary
    found = await citizen.wait_for(has("Boddia, Kecamatan Galesong"))
    assert found.button_titles == ["Lewati"]  # the story named the category and the point is shared: photos next
    await _to_kirim(citizen, asked=True)
    confirmed = await citizen.wait_for(has("GLS-"))
    number = _number(confirmed.text, "GLS")
    [ticket] = await harness.tickets()
    assert (ticket.number, ticket.kecamatan, ticket.desa, ticket.category) == (number, "galesong", "Boddia", "sampah")
    await harness.settle()
    assert not harness.sim.citizen("081300000020", business=GALESONG).received  # never from Galesong's own number
    assert not harness.sim.citizen("081300000020").received  # nor from Pattallassang's
    # Later messages on the kabupaten number go on to Galesong, answered from the same number.
    await citizen.sends_text("status")
    await citizen.wait_for(has(number))
    async with harness.ctx.sessions() as session:
        conversations = {(c.kecamatan, c.draft.get("kecamatan")) for c in await session.scalars(select(Conversation))}
        rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "whatsapp")))
    assert conversations == {("takalar", "galesong")}  # one conversation, keyed by the kabupaten
    assert {r.kecamatan for r in rows if r.ticket_id == ticket.id} == {"galesong"}


async def test_galesongs_updates_reach_the_citizen_on_the_kabupaten_number_and_its_buttons_work(
        harness: Harness, citizen: Citizen) -> None:
    await citizen.sends_location(-5.31, 119.37)  # the place first: Boddia
    await citizen.wait_for(has("Boddia, Kecamatan Galesong"))
    await citizen.chooses("Lingkungan")
    await citizen.wait_for(lambda m: "Sampah" in [r.title for r in m.rows])
    await citizen.chooses("Sampah")
    await citizen.wait_for(has("Apa yang terjadi"))
    await citizen.sends_text("Sampah tidak diangkut seminggu")
    await _to_kirim(citizen)
    number = _number((await citizen.wait_for(has("GLS-"))).text, "GLS")
    [ticket] = await harness.tickets()
    galesong = harness.ctx.at("galesong")
    desk = await add_staff(galesong, 1001, "Andi Verifikator", frozenset({Role.VERIFIER}))
    field = await add_staff(galesong, 2001, "Baso Petugas", frozenset({Role.OFFICER}))
    officer = Actor.staff(field.id, field.name, frozenset({Role.OFFICER}))
    await verify_ticket(galesong, Actor.staff(desk.id, desk.name, frozenset({Role.VERIFIER})), ticket.id)
    assert "diverifikasi" in ((await citizen.wait_for(has(number))).text or "")
    await accept_ticket(galesong, officer, ticket.id)
    proof = Path(harness.settings.media_dir) / "proof.jpg"
    proof.parent.mkdir(parents=True, exist_ok=True)
    proof.write_bytes(JPEG)
    await resolve_ticket(galesong, officer, ticket.id, "Sampah sudah diangkut",
                         (NewAttachment(AttachmentKind.PHOTO, "telegram", "file-1", mime="image/jpeg",
                                        stored_path=str(proof)),))
    await citizen.wait_for(lambda m: "Sudah beres" in m.button_titles)
    await citizen.taps("Sudah beres")  # a ticket's button, tapped in the kabupaten number's chat
    await citizen.wait_for(lambda m: m.text is not None and ("terima kasih" in m.text.casefold()
                                                             or "nilai" in m.text.casefold()))
    async with harness.ctx.sessions() as session:
        state = await session.scalar(select(Ticket.state).where(Ticket.id == ticket.id))
    assert state == "closed"
    await harness.settle()
    assert not harness.sim.citizen("081300000020", business=GALESONG).received


async def test_a_location_in_no_desa_is_told_and_the_list_shown(harness: Harness, citizen: Citizen) -> None:
    await citizen.sends_text("Jalan rusak parah")
    await citizen.wait_for(lambda m: m.kind == "list")
    await citizen.sends_location(-6.90, 107.60)  # far from Takalar
    told = await citizen.wait_for(has("tidak berada di desa/kelurahan mana pun"))
    assert told.kind == "list" and len(told.rows) == 9
    assert await harness.tickets() == []


async def test_a_location_in_no_desa_near_a_camats_office_asks_that_kecamatans_desa(
        harness: Harness, citizen: Citizen) -> None:
    office = TAKALAR.profile("polombangkeng_utara").office
    assert office is not None
    await citizen.sends_text("Lampu jalan mati sejak minggu lalu")
    await citizen.wait_for(lambda m: m.kind == "list")
    point = (office[0] + 0.004, office[1] - 0.003)  # half a kilometre from the office; no desa here has a centroid
    await citizen.sends_location(*point, name="Dekat pasar")
    asked = await citizen.wait_for(has("dekat kantor Kecamatan Polombangkeng Utara"))
    assert asked.kind == "list" and asked.rows[0].title == "Balangtanaya"  # its desa, paged: eight and "next"
    assert len(asked.rows) == 9 and asked.rows[-1].title == "Berikutnya ›"
    await citizen.chooses("Berikutnya ›")
    await citizen.wait_for(lambda m: m.kind == "list" and "Mattompodalle" in [r.title for r in m.rows])
    await citizen.chooses("Mattompodalle")
    found = await citizen.wait_for(has("Mattompodalle, Kecamatan Polombangkeng Utara"))
    assert found.button_titles == ["Lewati"]  # the category came with the story, the point was shared: photos next
    await _to_kirim(citizen, asked=True)
    confirmed = await citizen.wait_for(has("PBU-"))
    [ticket] = await harness.tickets()
    assert (ticket.kecamatan, ticket.desa, ticket.category) == ("polombangkeng_utara", "Mattompodalle", "lampu_jalan")
    assert (ticket.latitude, ticket.longitude) == point and _number(confirmed.text, "PBU") == ticket.number


async def test_a_location_near_no_office_is_outside_and_one_in_a_desa_wins_over_an_office(
        harness: Harness, citizen: Citizen) -> None:
    await citizen.sends_text("Sampah menumpuk di pinggir jalan")
    await citizen.wait_for(lambda m: m.kind == "list")
    await citizen.sends_location(-5.40, 119.40)  # in Takalar, but 7 km from the nearest camat's office
    told = await citizen.wait_for(has("tidak berada di desa/kelurahan mana pun"))
    assert told.kind == "list" and len(told.rows) == 9  # the kecamatan list: the citizen picks
    await citizen.sends_location(-5.315, 119.375)  # Boddia's boundary, a few hundred metres from Galesong's office
    await citizen.wait_for(has("Boddia, Kecamatan Galesong"))


async def test_the_two_step_pick_pages_a_long_desa_list(harness: Harness, citizen: Citizen) -> None:
    await citizen.sends_text("halo")
    await citizen.wait_for(lambda m: m.kind == "list")
    await citizen.chooses("Polombangkeng Utara")
    first = await citizen.wait_for(has("Kecamatan Polombangkeng Utara"))
    assert len(first.rows) == 9 and first.rows[-1].title == "Berikutnya ›"  # 18 desa: eight and "next"
    await citizen.chooses("Berikutnya ›")
    second = await citizen.wait_for(lambda m: m.kind == "list" and "Sebelumnya" in m.rows[0].title)
    assert len(second.rows) == 10 and second.rows[-1].title == "Berikutnya ›"
    await citizen.chooses("Berikutnya ›")
    last = await citizen.wait_for(lambda m: m.kind == "list" and "Towata" in [r.title for r in m.rows])
    assert [r.title for r in last.rows] == ["‹ Sebelumnya", "Timbuseng", "Towata"]
    await citizen.chooses("Towata")
    category = await citizen.wait_for(has("Towata, Kecamatan Polombangkeng Utara"))
    assert category.kind == "list"  # Polombangkeng Utara's own category question
    await citizen.chooses("Infrastruktur")
    await citizen.wait_for(lambda m: "Lampu jalan" in [r.title for r in m.rows])
    await citizen.chooses("Lampu jalan")
    await citizen.wait_for(has("Apa yang terjadi"))
    await citizen.sends_text("Tiga lampu mati sejak minggu lalu")
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_text("Depan kantor desa")  # an address; the desa is known, so not asked
    await _to_kirim(citizen)
    confirmed = await citizen.wait_for(has("PBU-"))
    [ticket] = await harness.tickets()
    assert (ticket.kecamatan, ticket.desa, ticket.address) == ("polombangkeng_utara", "Towata", "Depan kantor desa")
    assert _number(confirmed.text, "PBU") == ticket.number
    assert not [m for m in citizen.received if "Di desa/kelurahan mana" in (m.text or "")]


async def test_a_typed_desa_with_a_typo_is_found(harness: Harness, citizen: Citizen) -> None:
    await citizen.sends_text("Pohon tumbang menutup jalan")
    await citizen.wait_for(lambda m: m.kind == "list")
    await citizen.sends_text("desa pattalasang")
    found = await citizen.wait_for(has("Pattallassang, Kecamatan Pattallassang"))
    assert found.kind == "location_request"  # the category came with the story; the desa is known
    await citizen.sends_location(-5.21, 119.50)
    await _to_kirim(citizen)
    confirmed = await citizen.wait_for(has("PTL-"))
    [ticket] = await harness.tickets()
    assert (ticket.kecamatan, ticket.desa, ticket.category) == ("pattallassang", "Pattallassang", "pohon")
    assert _number(confirmed.text, "PTL") == ticket.number
    assert not harness.sim.citizen("081300000020").received  # Pattallassang's own number said nothing


async def test_an_unknown_name_is_asked_again_with_the_list(harness: Harness, citizen: Citizen) -> None:
    await citizen.sends_text("Saluran air tersumbat")
    await citizen.wait_for(lambda m: m.kind == "list")
    await citizen.sends_text("Zzyzx")
    again = await citizen.wait_for(has("tidak menemukan desa/kelurahan \"Zzyzx\""))
    assert again.kind == "list" and len(again.rows) == 9
    await citizen.sends_text("Bajeng")
    await citizen.wait_for(has("Bajeng, Kecamatan Pattallassang"))
    async with harness.ctx.sessions() as session:
        conversation = await session.get(Conversation, (1, "takalar"))
    assert conversation is not None and conversation.draft["kecamatan"] == "pattallassang"
    assert "Saluran air tersumbat" in conversation.draft["description"]  # the story waited for its kecamatan


async def test_other_input_before_the_place_is_known_is_answered(harness: Harness, citizen: Citizen) -> None:
    await citizen.sends_sticker(b"RIFF" + b"stiker" * 20)
    assert (await citizen.wait_for()).kind == "text"  # what it cannot take, said
    await citizen.sends_text("English")
    switched = await citizen.wait_for(lambda m: m.kind == "list")
    assert "Kabupaten Takalar" in (switched.text or "") and switched.list_button == "Pick kecamatan"
    await citizen.sends_text("status")
    await citizen.wait_for(lambda m: m.text is not None and "no" in m.text.casefold())  # no reports yet
    await citizen.chooses("Sanrobone")  # the list is still the latest: its rows work
    desa = await citizen.wait_for(lambda m: m.kind == "list" and "Sanrobone" in (m.text or ""))
    assert len(desa.rows) == 6  # six desa: one page, no paging rows
    await harness.settle()
    assert await harness.tickets() == []


async def test_an_idle_draft_on_the_kabupaten_number_expires_and_the_citizen_is_told_from_it(
        harness: Harness, citizen: Citizen, ctx: Context) -> None:
    await citizen.sends_text("Sampah menumpuk di pinggir jalan")
    await citizen.wait_for(lambda m: m.kind == "list")  # which kecamatan? and the citizen goes quiet
    async with ctx.sessions() as session:
        kept = await session.get(Conversation, ((await harness.citizen_row(citizen.wa_id)).id, TAKALAR.code))
    assert kept is not None and kept.draft  # kept under the kabupaten's code, which no kecamatan's job reads

    assert await expire_kabupaten_drafts(ctx) == []  # not idle yet
    harness.clock.advance(hours=7)  # past the 6-hour draft expiry
    assert await expire_drafts(ctx) == []  # the kecamatan's own job leaves the kabupaten's drafts alone
    assert len(await expire_kabupaten_drafts(ctx)) == 1
    assert await expire_kabupaten_drafts(ctx) == []  # once
    told = await citizen.wait_for(has("kami hapus karena lama tidak dilanjutkan"))  # on the kabupaten's number
    assert told is not None
    assert not harness.sim.citizen("081300000020", business=PHONE_ID).received  # never from Pattallassang's
    async with ctx.sessions() as session:
        cleared = await session.get(Conversation, ((await harness.citizen_row(citizen.wa_id)).id, TAKALAR.code))
    assert cleared is not None and cleared.step == "idle" and cleared.draft == {}
