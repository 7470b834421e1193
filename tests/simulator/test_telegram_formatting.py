"""Mentions as Telegram stores them, through the real PTB client: an HTML link to tg://user?id=… becomes a
text_mention carrying the user when that user has contacted the bot, and plain words otherwise."""

from __future__ import annotations

from telegram.constants import MessageEntityType

from tests.simulator.telegram_fixtures import bot_for, simulator


async def test_a_link_to_a_user_is_a_mention_only_when_they_have_started_the_bot() -> None:
    async with simulator() as sim:
        budi = sim.user("Budi", user_id=501)
        sim.user("Cakra", user_id=502, started=False)
        group = sim.group("Petugas", members=[budi])
        async with bot_for(sim) as bot:
            sent = await bot.send_message(group.id, 'Bertugas: <a href="tg://user?id=501">Budi</a>, '
                                          '<a href="tg://user?id=502">Cakra</a>, <a href="tg://user?id=999">X</a>',
                                          parse_mode="HTML")
    assert sent.text == "Bertugas: Budi, Cakra, X"
    [mention] = sent.entities
    assert mention.type == MessageEntityType.TEXT_MENTION and mention.user is not None and mention.user.id == 501
    assert (mention.offset, mention.length) == (10, 4)
