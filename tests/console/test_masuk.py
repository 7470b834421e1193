"""/masuk in the private chat with the real officer bot (Telegram simulator) gives a link that signs in."""

from __future__ import annotations

import re

from tests.console.conftest import browser, open_link
from tests.officer.conftest import World

LINK = re.compile(r"http://127\.0\.0\.1:8080/konsol/masuk/([A-Za-z0-9_-]{40,})")


async def test_masuk_in_private_gives_a_one_time_link_that_signs_in(world: World) -> None:
    chat = world.officer.private_chat
    await world.officer.sends(chat, "/masuk")
    sent = await chat.wait_for(lambda m: m.from_bot and "/konsol/masuk/" in (m.text or ""))
    assert "berlaku 10 menit" in (sent.text or "")
    found = LINK.search(sent.text or "")
    assert found, sent.text
    async with browser(world.ctx) as phone:
        signed_in = await open_link(phone, found[1])
        assert signed_in.status_code == 303
        cases = await phone.get("/konsol/kasus")
        assert cases.status_code == 200 and "Masuk sebagai Baso Petugas" in cases.text


async def test_masuk_is_for_staff_and_for_the_private_chat_only(world: World) -> None:
    await world.stranger.sends(world.stranger.private_chat, "/masuk")
    await world.stranger.private_chat.wait_for(lambda m: m.from_bot and "tidak terdaftar sebagai petugas aktif"
                                               in (m.text or ""))
    await world.officer.sends(world.field, "/masuk")
    refusal = await world.field.wait_for(lambda m: m.from_bot and m.reply_to is not None)
    assert "/konsol/masuk/" not in (refusal.text or "")
    assert not [m for m in world.field.messages if "/konsol/masuk/" in (m.text or "")]
