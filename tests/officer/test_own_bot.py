"""A kecamatan with its own bot (TELEGRAM_KECAMATAN_BOT_TOKENS): Galesong's desk and field talk to
Galesong's bot, Pattallassang's to the kabupaten's bot, and a shared chat (an agency's group) stays the
kabupaten bot's for every kecamatan's cases. Two bots behind one Bot API address (simulator SeveralBots),
each a simulated Telegram of its own: a message sent from the wrong bot would not find its chat."""

from __future__ import annotations

from pathlib import Path

import httpx
from telegram.request import HTTPXRequest

from core.context import Context
from core.domain.lifecycle import Role, TicketState
from core.domain.reports import NewReport
from core.settings import Settings
from core.usecases.citizen import submit_ticket
from core.usecases.desk import forward_ticket
from core.usecases.staff import add_staff
from officer_bot import OfficerBot
from simulator.telegram import SeveralBots, TelegramSimulator
from tests.conftest import TAKALAR, in_takalar
from tests.core.story import cast, report, ticket
from tests.officer.conftest import TOKEN, settled

OWN = "7100000002:galesong_own_bot_token_abcdef"
PUPR = TAKALAR.agency("pupr")


async def test_a_kecamatan_with_its_own_bot_works_in_its_chats_and_shares_the_agency_group(
        ctx: Context, tmp_path: Path) -> None:
    home = in_takalar(ctx)
    galesong = home.at("galesong")
    ptl, gls = home.profile.telegram, galesong.profile.telegram
    assert PUPR is not None and PUPR.telegram_chat_id is not None
    async with TelegramSimulator(token=TOKEN) as kabupaten_bot, \
            TelegramSimulator(token=OWN, bot_username="LaporGalesongBot") as own_bot:
        desk_ptl = kabupaten_bot.group("Meja Pattallassang", chat_id=ptl.desk_chat_id)
        kabupaten_bot.group("Lapangan Pattallassang", chat_id=ptl.field_chat_ids[0])
        pupr = kabupaten_bot.group("Dinas PUPR", chat_id=PUPR.telegram_chat_id)
        desk_gls = own_bot.group("Meja Galesong", chat_id=gls.desk_chat_id)
        field_gls = own_bot.group("Lapangan Galesong", chat_id=gls.field_chat_ids[0])
        people = await cast(home)
        await add_staff(galesong, 1001, "Andi Verifikator", frozenset({Role.VERIFIER}))
        verifier_gls = own_bot.user("Andi", user_id=1001)  # the same person, in Galesong's bot's chats
        engineer = kabupaten_bot.user("Ir. Rahman", user_id=5501)
        api = SeveralBots([kabupaten_bot, own_bot])

        def request() -> HTTPXRequest:
            return HTTPXRequest(httpx_kwargs={"transport": api.transport()})

        settings = Settings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_url=kabupaten_bot.base_url,  # type: ignore[call-arg]
                            telegram_kecamatan_bot_tokens=f"galesong={OWN}", media_dir=tmp_path / "media")
        bot = OfficerBot(home, settings, poll_timeout=1, requests=request)
        assert [r.path for r in bot.routes] == ["/webhook/telegram", "/webhook/telegram/galesong"]  # webhook mode
        await bot.start()
        try:
            theirs = (await submit_ticket(galesong, people.reporter, NewReport(
                description="Jembatan kayu patah di dusun", category="jalan_rusak", desa="Boddia"))).ticket_id
            await report(home, people.neighbour, category="sampah", desa="Bajeng")
            card = await desk_gls.wait_for(lambda m: m.from_bot and (m.text or "").startswith("GLS-000001 ·"))
            assert card.sender is own_bot.bot_user  # from Galesong's own bot
            ours = await desk_ptl.wait_for(lambda m: m.from_bot and (m.text or "").startswith("PTL-000001 ·"))
            assert ours.sender is kabupaten_bot.bot_user

            # A tap in Galesong's desk reaches Galesong's bot and acts there; the field card follows.
            assert (await verifier_gls.taps(card, "Verifikasi")).text == "GLS-000001 diverifikasi."
            await field_gls.wait_for(lambda m: m.from_bot and (m.text or "").startswith("GLS-000001 ·"))
            assert (await ticket(home, theirs)).state == TicketState.VERIFIED

            # Forwarded to Dinas PUPR: its group is the kabupaten bot's; the card goes there and a tap there
            # acts on Galesong's case, whose desk card (Galesong's bot) then shows it.
            await forward_ticket(galesong, people.verifier, theirs, "pupr", "")
            agency_card = await pupr.wait_for(lambda m: m.from_bot and "GLS-000001" in (m.text or "")[:80]
                                              and "Terima" in [b.text for row in m.buttons for b in row])
            assert agency_card.sender is kabupaten_bot.bot_user
            assert (await engineer.taps(agency_card, "Terima")).text == "Anda menerima GLS-000001 untuk instansi Anda."
            await desk_gls.wait_for(lambda m: m.from_bot and (m.text or "").startswith("GLS-000001 ·")
                                    and "Ir. Rahman" in (m.text or ""))
            await settled(home)
            assert (await ticket(home, theirs)).agency_holder == "Ir. Rahman (Dinas PUPR)"

            # Nothing of Galesong's went out from the kabupaten's bot, nor the other way round.
            sent_by_kabupaten = [e for e in kabupaten_bot.transcript
                                 if e["method"] in ("sendMessage", "editMessageText")]
            assert all(e["params"].get("chat_id") not in (gls.desk_chat_id, *gls.field_chat_ids)
                       for e in sent_by_kabupaten)
            assert not [e for e in own_bot.transcript if e["status"] != 200], own_bot.dump_transcript()
            assert not [e for e in kabupaten_bot.transcript if e["status"] != 200 and e["method"] != "getUpdates"], \
                kabupaten_bot.dump_transcript()
            assert kabupaten_bot.unanswered_callbacks() == [] and own_bot.unanswered_callbacks() == []
        finally:
            await bot.stop()


async def test_a_token_the_bot_api_does_not_know_is_refused_as_telegram_does() -> None:
    async with TelegramSimulator(token=TOKEN) as sim, httpx.AsyncClient(
            transport=SeveralBots([sim]).transport(), base_url="http://telegram.sim") as http:
        assert (await http.post(f"/bot{TOKEN}/getMe")).json()["ok"] is True
        unknown = await http.post("/bot999:unknown_token/getMe")
        assert unknown.status_code == 401 and unknown.json() == {"ok": False, "error_code": 401,
                                                                 "description": "Unauthorized"}
        assert (await http.post("/botnot-a-token/getMe")).status_code == 404


def test_check_config_names_a_bad_or_unknown_kecamatan_bot() -> None:
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN,  # type: ignore[call-arg]
                        telegram_kecamatan_bot_tokens=f"galesong={OWN},nowhere={OWN[:-1]}x,sanrobone=oops")
    problems = settings.kecamatan_bot_problems([p.code for p in TAKALAR])
    assert problems == [
        "TELEGRAM_KECAMATAN_BOT_TOKENS: 'nowhere' is not a kecamatan of this install (codes: "
        + ", ".join(p.code for p in TAKALAR) + ")",
        "TELEGRAM_KECAMATAN_BOT_TOKENS: the entry for 'sanrobone' should be code=token, the token a BotFather "
        "token like 123456789:AAE…"]
    assert OWN not in " ".join(problems) and OWN in settings.secrets()
    same = Settings(_env_file=None, telegram_bot_token=OWN,  # type: ignore[call-arg]
                    telegram_kecamatan_bot_tokens=f"galesong={OWN}").kecamatan_bot_problems()
    assert same == ["TELEGRAM_KECAMATAN_BOT_TOKENS: 'galesong' has the same token as TELEGRAM_BOT_TOKEN; "
                    "a kecamatan's own bot is another bot"]
