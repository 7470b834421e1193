"""The simulator's updates parse with PTB's own types, and have the shape of Telegram's documented samples."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject, Update

from simulator.telegram import TelegramSimulator
from tests.simulator.telegram_fixtures import key_paths, load_fixture, png, simulator, started_bot


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # reading Voice.duration as int warns in PTB 22


def unknown_fields(obj: Any, path: str = "update") -> list[str]:
    """Fields PTB did not recognise (kept in api_kwargs), anywhere in the parsed object."""
    found: list[str] = []
    if isinstance(obj, TelegramObject):
        found += [f"{path}.{k}" for k in obj.api_kwargs]
        for name in obj.to_dict(recursive=False):
            found += unknown_fields(getattr(obj, name, None), f"{path}.{name}")
    elif isinstance(obj, tuple | list):
        for item in obj:
            found += unknown_fields(item, f"{path}[]")
    return found


async def scenario(sim: TelegramSimulator, bot: Bot) -> dict[str, dict[str, Any]]:
    """One update of each kind the simulator emits, by name."""
    alice = sim.user("Test Firstname", user_id=1111111, username="Testusername", last_name="Test Lastname")
    desk = sim.group("Desk", chat_id=-1001)
    chat = alice.private_chat
    out: dict[str, dict[str, Any]] = {}

    def last() -> dict[str, Any]:
        return sim.updates.emitted[-1]

    await alice.sends(chat, "/start")
    out["text"] = last()
    original = await bot.send_message(chat.id, "Original")
    await alice.replies(chat, to=chat.get(original.message_id), text="/start")  # type: ignore[arg-type]
    out["reply"] = last()
    await alice.sends_photo(chat, png(90, 67), caption="Test caption")
    out["photo"] = last()
    await alice.sends_voice(chat, b"OggS", duration=5)
    out["voice"] = last()
    await alice.sends_document(chat, b"%PDF", "Testfile.pdf")
    out["document"] = last()
    await alice.shares_location(chat, -5.2, 119.5)
    out["location"] = last()
    await alice.sends_album(desk, [png(), png()], reply_to=None)  # not for the bot: privacy mode
    card = await bot.send_message(
        desk.id,
        "LC-1",
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Terima", callback_data="accept:1"),
                    InlineKeyboardButton("Peta", url="https://x.id"),
                ]
            ]
        ),
    )
    await alice.sends_album(desk, [png(), png()], reply_to=desk.get(card.message_id))
    out["album"] = last()
    alice.tap(desk.get(card.message_id), "Terima")  # type: ignore[arg-type]
    out["callback_query"] = last()
    await sim.migrate_to_supergroup(desk)
    out["migrate_from"] = last()
    return out


async def test_every_emitted_update_parses_with_ptb() -> None:
    async with simulator(per_private_per_second=None) as sim, started_bot(sim) as bot:
        named = await scenario(sim, bot)
        assert len(sim.updates.emitted) == 11  # the album not replying to the bot is not among them
        for data in sim.updates.emitted:
            update = Update.de_json(data, bot)
            assert update.update_id == data["update_id"]
            assert unknown_fields(update) == [], data
        text = Update.de_json(named["text"], bot).message
        assert text is not None and text.text == "/start" and text.chat.type == "private"
        assert text.from_user is not None and text.from_user.last_name == "Test Lastname"
        assert text.entities[0].type == "bot_command"
        reply = Update.de_json(named["reply"], bot).message
        assert reply is not None and reply.reply_to_message is not None
        assert reply.reply_to_message.text == "Original" and reply.reply_to_message.from_user.is_bot  # type: ignore[union-attr]
        photo = Update.de_json(named["photo"], bot).message
        assert photo is not None and (photo.photo[-1].width, photo.photo[-1].height) == (90, 67)
        voice = Update.de_json(named["voice"], bot).message
        assert voice is not None and voice.voice is not None and voice.voice.mime_type == "audio/ogg"
        album = Update.de_json(named["album"], bot).message
        assert album is not None and album.media_group_id and album.reply_to_message is not None
        query = Update.de_json(named["callback_query"], bot).callback_query
        assert query is not None and query.data == "accept:1" and query.message is not None
        keyboard = query.message.reply_markup  # type: ignore[union-attr]
        assert keyboard is not None and keyboard.inline_keyboard[0][1].url == "https://x.id"
        migrated = Update.de_json(named["migrate_from"], bot).message
        assert migrated is not None and migrated.migrate_from_chat_id == -1001
        assert migrated.chat.type == "supergroup" and migrated.chat.id < -(2**32)


# keys in the documented samples that the simulator rightly does not produce
TOLERATED = {
    "callback_query": {
        "callback_query.inline_message_id",  # a tap on an inline-mode message
        "callback_query.from.type",
    },  # not a field of User
}
SAMPLES = {
    "text": "message_text.json",
    "reply": "message_reply.json",
    "photo": "message_photo.json",
    "voice": "message_voice.json",
    "document": "message_document.json",
    "callback_query": "callback_query.json",
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
async def test_updates_have_the_documented_shape(kind: str) -> None:
    sample = load_fixture(SAMPLES[kind])
    async with simulator(per_private_per_second=None) as sim, started_bot(sim) as bot:
        ours = (await scenario(sim, bot))[kind]
    # The guide's samples predate required fields (User.is_bot, file_unique_id, chat_instance), so
    # PTB 22 cannot parse them as they are; the check is that every key they show is in ours.
    missing = key_paths(sample) - key_paths(ours) - TOLERATED.get(kind, set())
    assert not missing, f"simulated {kind} update lacks {sorted(missing)}: {ours}"
