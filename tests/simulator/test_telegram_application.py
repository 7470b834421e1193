"""The real PTB Application polls the simulator, gets a button tap, answers it and edits the message."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from tests.simulator.telegram_fixtures import polling, simulator


async def show_case(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Terima", callback_data="accept:LC-0001"),
                InlineKeyboardButton("Tolak", callback_data="reject:LC-0001"),
            ]
        ]
    )
    await context.bot.send_message(
        update.effective_chat.id, "<b>LC-0001</b> Sampah menumpuk di Bajeng", parse_mode="HTML", reply_markup=keyboard
    )


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.from_user is not None
    await query.answer(f"Diterima oleh {query.from_user.first_name}")
    await query.edit_message_text(f"LC-0001 diterima oleh {query.from_user.first_name}")


async def test_application_receives_tap_answers_and_edits() -> None:
    async with simulator() as sim:
        desk = sim.group("Desk Pattallassang", chat_id=-1001)
        alice = sim.user("Alice", user_id=1001, username="alice")
        async with polling(sim, [CommandHandler("kasus", show_case), CallbackQueryHandler(on_tap)]):
            await alice.sends(desk, "/kasus")
            card = await desk.wait_for(lambda m: m.from_bot and m.button("Terima") is not None)
            assert card.text == "LC-0001 Sampah menumpuk di Bajeng"
            assert card.entities == [{"type": "bold", "offset": 0, "length": 7}]
            answer = await alice.taps(card, "Terima")
            assert answer.text == "Diterima oleh Alice"
            assert not answer.show_alert
            edited = await desk.wait_for(lambda m: m.message_id == card.message_id and m.edit_date is not None)
            assert edited.text == "LC-0001 diterima oleh Alice"
            assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard
            assert sim.unanswered_callbacks() == []
        assert alice.callback_answers == [answer]


async def test_long_poll_does_not_block_other_requests() -> None:
    """A held getUpdates (in-process ASGITransport) must not stall sendMessage from a handler."""
    got: list[str] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        got.append(update.message.text)
        await update.message.reply_text(f"echo {update.message.text}", do_quote=True)

    async with simulator(per_private_per_second=None) as sim:
        bob = sim.user("Bob", user_id=2002)
        async with polling(sim, [MessageHandler(filters.TEXT, echo)], timeout=30):
            loop = asyncio.get_running_loop()
            started = loop.time()
            for n in range(3):
                await bob.sends(bob.private_chat, f"halo {n}")
                reply = await bob.private_chat.wait_for(lambda m, n=n: m.text == f"echo halo {n}")
                assert reply.reply_to is not None and reply.reply_to.text == f"halo {n}"
            assert loop.time() - started < 5
        assert got == ["halo 0", "halo 1", "halo 2"]
