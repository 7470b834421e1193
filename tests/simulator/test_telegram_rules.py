"""Every rule the simulator enforces, seen through the real PTB client: it raises what Telegram would make it raise."""

from __future__ import annotations

import datetime as dtm

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter

from simulator.telegram import FakeClock, SimulationError
from tests.simulator.telegram_fixtures import application_for, bot_for, png, simulator, started_bot


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns (PTBDeprecationWarning) whenever RetryAfter.retry_after is read as an int, even in
    # RetryAfter.__init__; opting in to timedelta durations is PTB's documented way out.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Terima", callback_data=data)]])


async def test_wrong_token_is_invalid_token() -> None:
    async with simulator() as sim:
        app = application_for(sim, token="123456:wrong-token")
        with pytest.raises(InvalidToken):
            await app.initialize()
        await app.shutdown()
        async with bot_for(sim) as bot:  # the right token works
            me = await bot.get_me()
            assert me.username == "LaporCamatBot" and me.is_bot
        assert [e["status"] for e in sim.transcript] == [401, 200, 200]  # initialize() calls getMe too


async def test_malformed_token_is_invalid_token() -> None:
    async with simulator() as sim:
        with pytest.raises(InvalidToken):
            await bot_for(sim, token="not-a-token").get_me()
        assert sim.transcript[-1]["status"] == 404


async def test_chat_not_found() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        with pytest.raises(BadRequest, match=r"^Chat not found$"):
            await bot.send_message(-999, "halo")


async def test_bot_not_member_and_kicked_are_forbidden() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        outside = sim.group("Grup Lain", bot_member=False)
        with pytest.raises(Forbidden, match=r"bot is not a member of the group chat"):
            await bot.send_message(outside.id, "halo")
        field = sim.group("Lapangan", supergroup=True)
        await bot.send_message(field.id, "halo")
        sim.remove_bot(field)
        with pytest.raises(Forbidden, match=r"bot was kicked from the supergroup chat"):
            await bot.send_message(field.id, "lagi")


async def test_private_chat_needs_start_and_not_blocked() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        camat = sim.user("Camat", started=False)
        with pytest.raises(Forbidden, match=r"bot can't initiate conversation with a user"):
            await bot.send_message(camat.user_id, "laporan")
        await camat.sends(camat.private_chat, "/start")
        await bot.send_message(camat.user_id, "laporan")
        camat.blocks_bot()
        with pytest.raises(Forbidden, match=r"bot was blocked by the user"):
            await bot.send_message(camat.user_id, "laporan lagi")


async def test_text_length() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        await bot.send_message(desk.id, "x" * 4096)
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await bot.send_message(desk.id, "x" * 4097)
        # the limit is on the text after entity parsing: tags do not count
        await bot.send_message(desk.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"^Message text is empty$"):
            await bot.send_message(desk.id, "  ")
        assert [len(m.text or "") for m in desk.messages] == [4096, 4096]


async def test_html_that_telegram_cannot_parse() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        with pytest.raises(BadRequest, match=r"Can't parse entities: unsupported start tag \"br\""):
            await bot.send_message(desk.id, "a<br>b", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"Can't parse entities: can't find end tag"):
            await bot.send_message(desk.id, "<b>tebal", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"character '\.' is reserved and must be escaped"):
            await bot.send_message(desk.id, "Tiket *LC* 1.", parse_mode="MarkdownV2")
        await bot.send_message(desk.id, r"Tiket *LC\-0001*\.", parse_mode="MarkdownV2")
        assert desk.messages[-1].text == "Tiket LC-0001."
        assert desk.messages[-1].entities == [{"type": "bold", "offset": 6, "length": 7}]
        await bot.send_message(desk.id, "1 &lt; 2 &amp; <i>ok</i>", parse_mode="HTML")
        assert desk.messages[-1].text == "1 < 2 & ok"


async def test_caption_length() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        await bot.send_photo(desk.id, png(), caption="c" * 1024)
        with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
            await bot.send_photo(desk.id, png(), caption="c" * 1025)


async def test_callback_data_1_to_64_bytes() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        await bot.send_message(desk.id, "ok", reply_markup=keyboard("x" * 64))
        with pytest.raises(BadRequest, match=r"(?i)^button_data_invalid$"):
            await bot.send_message(desk.id, "too long", reply_markup=keyboard("x" * 65))
        with pytest.raises(BadRequest, match=r"(?i)^button_data_invalid$"):  # 33 two-byte letters = 66 bytes
            await bot.send_message(desk.id, "too long", reply_markup=keyboard("é" * 33))


async def test_no_op_edit_is_not_modified() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        sent = await bot.send_message(desk.id, "LC-0001", reply_markup=keyboard("accept:1"))
        with pytest.raises(BadRequest, match=r"^Message is not modified: specified new message content"):
            await bot.edit_message_text("LC-0001", desk.id, sent.message_id, reply_markup=keyboard("accept:1"))
        with pytest.raises(BadRequest, match=r"^Message is not modified"):
            await bot.edit_message_reply_markup(desk.id, sent.message_id, reply_markup=keyboard("accept:1"))
        await bot.edit_message_reply_markup(desk.id, sent.message_id, reply_markup=None)
        assert desk.messages[0].buttons == []
        with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
            await bot.edit_message_text("x", desk.id, 999)


async def test_21st_message_in_a_minute_to_a_group_gets_retry_after() -> None:
    clock = FakeClock()
    async with simulator(clock=clock) as sim, started_bot(sim) as bot:
        desk = sim.group("Desk Pattallassang", chat_id=-1001)
        for n in range(20):
            await bot.send_message(desk.id, f"pesan {n}")
            clock.advance(1)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(desk.id, "pesan 21")
        assert caught.value.retry_after == dtm.timedelta(seconds=40)
        assert sim.transcript[-1]["answer"]["parameters"] == {"retry_after": 40}
        assert len(desk.messages) == 20
        clock.advance(40)
        await bot.send_message(desk.id, "pesan 21")


async def test_private_chat_one_message_per_second() -> None:
    clock = FakeClock()
    async with simulator(clock=clock) as sim, started_bot(sim) as bot:
        camat = sim.user("Camat")
        await bot.send_message(camat.user_id, "satu")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(camat.user_id, "dua")
        assert caught.value.retry_after == dtm.timedelta(seconds=1)
        clock.advance(1)
        await bot.send_message(camat.user_id, "dua")


async def test_thirty_per_second_per_bot_and_limits_off() -> None:
    clock = FakeClock()
    async with simulator(clock=clock, per_group_per_minute=None) as sim, started_bot(sim) as bot:
        groups = [sim.group(f"G{n}") for n in range(31)]
        for group in groups[:30]:
            await bot.send_message(group.id, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(groups[30].id, "x")
        sim.limits.enabled = False
        for _ in range(50):
            await bot.send_message(groups[30].id, "x")


async def test_group_migration_raises_chat_migrated() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        desk = sim.group("Desk Pattallassang", chat_id=-1001)
        old_id = desk.id
        await bot.send_message(old_id, "sebelum")
        await sim.migrate_to_supergroup(desk)
        assert desk.type == "supergroup" and desk.id < -(2**32) and str(desk.id).startswith("-100")
        with pytest.raises(ChatMigrated) as caught:
            await bot.send_message(old_id, "sesudah")
        assert caught.value.new_chat_id == desk.id
        await bot.send_message(caught.value.new_chat_id, "sesudah")
        assert [m.text for m in desk.messages if m.text] == ["sebelum", "sesudah"]
        kinds = [
            u["message"].get("migrate_to_chat_id") or u["message"].get("migrate_from_chat_id")
            for u in sim.updates.pending
        ]
        assert kinds == [desk.id, old_id]


async def test_unanswered_callback_is_reported_and_late_answer_refused() -> None:
    clock = FakeClock()
    async with simulator(clock=clock) as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        alice = sim.user("Alice")
        await bot.send_message(desk.id, "LC-0001", reply_markup=keyboard("accept:1"))
        tap = alice.tap(desk.messages[0], "Terima")
        assert sim.unanswered_callbacks() == [tap]
        clock.advance(sim.callback_timeout + 1)
        with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired"):
            await bot.answer_callback_query(tap.id)
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query("no-such-query")
        assert sim.unanswered_callbacks() == [tap]


async def test_callback_answer_text_at_most_200() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        alice = sim.user("Alice")
        await bot.send_message(desk.id, "LC-0001", reply_markup=keyboard("accept:1"))
        tap = alice.tap(desk.messages[0], "Terima")
        with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
            await bot.answer_callback_query(tap.id, "x" * 201)
        await bot.answer_callback_query(tap.id, "x" * 200, show_alert=True)
        answer = await tap.answered()
        assert answer.show_alert and answer.text == "x" * 200
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):  # a second answer
            await bot.answer_callback_query(tap.id, "lagi")


async def test_tapping_a_button_that_is_not_there_raises() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        alice = sim.user("Alice")
        sent = await bot.send_message(desk.id, "LC-0001", reply_markup=keyboard("accept:1"))
        card = desk.messages[0]
        with pytest.raises(SimulationError, match=r"no button 'Tolak'"):
            alice.tap(card, "Tolak")
        await bot.edit_message_reply_markup(desk.id, sent.message_id, reply_markup=None)
        with pytest.raises(SimulationError, match=r"no button 'Terima'"):
            alice.tap(card, "Terima")  # it was there, but not any more
        await bot.delete_message(desk.id, sent.message_id)
        with pytest.raises(SimulationError, match=r"not in"):
            alice.tap(card, "Terima")
        assert desk.messages == []
        assert sim.updates.pending == []


async def test_delete_rules() -> None:
    clock = FakeClock()
    async with simulator(clock=clock) as sim, started_bot(sim) as bot:
        desk = sim.group("Desk")
        alice = sim.user("Alice")
        said = await alice.sends(desk, "obrolan")
        with pytest.raises(BadRequest, match=r"^Message can't be deleted$"):  # not an admin
            await bot.delete_message(desk.id, said.message_id)
        old = await bot.send_message(desk.id, "lama")
        clock.advance(48 * 3600 + 1)
        with pytest.raises(BadRequest, match=r"^Message can't be deleted$"):
            await bot.delete_message(desk.id, old.message_id)
        with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
            await bot.delete_message(desk.id, 999)
