"""A staff decision taken in the web console reaches the person in their private chat with the bot: a role
change, a withdrawal, a refused registration (the outbox row core queued with the decision)."""

from __future__ import annotations

from core.domain.lifecycle import Role
from core.domain.people import Actor
from core.usecases.staff import add_staff, record_declined, remove_staff, set_agency
from tests.officer.conftest import World


async def test_role_changes_and_a_refusal_are_told_in_the_private_chat(world: World) -> None:
    admin = Actor.staff(world.cast.admin.id or 0, "Admin", frozenset({Role.ADMIN}))
    await add_staff(world.ctx, 2002, "Cakra Petugas", frozenset({Role.OFFICER, Role.VERIFIER}), ("Bajeng",),
                    by=admin, tell=True)
    chat = world.officer2.private_chat
    changed = await chat.wait_for(lambda m: m.from_bot and "Peran Anda" in (m.text or ""))
    assert changed.text == ("Peran Anda di Kecamatan Pattallassang sekarang: petugas, verifikator "
                            "(diubah oleh Admin).\nDesa tugas: Bajeng")
    await remove_staff(world.ctx, 2002, by=admin, tell=True, kecamatan="pattallassang")
    await chat.wait_for(lambda m: m.from_bot and m.text in (
        "Anda tidak lagi bertugas di Kecamatan Pattallassang (oleh Admin).",
        "Akun petugas Anda dinonaktifkan (oleh Admin). Hubungi admin kecamatan bila ini keliru."))

    await record_declined(world.ctx, 7777, "Orang Lewat", by=admin, tell=True)
    await world.stranger.private_chat.wait_for(lambda m: m.from_bot and m.text == (
        "Pendaftaran Anda sebagai petugas Kecamatan Pattallassang tidak disetujui (oleh Admin)."))


async def test_an_agency_membership_is_told_in_its_own_words(world: World) -> None:
    admin = Actor.staff(world.cast.admin.id or 0, "Admin", frozenset({Role.ADMIN}))
    agency = world.ctx.kabupaten.agencies[0]
    await set_agency(world.ctx, 2001, agency.code, by=admin, tell=True)
    chat = world.officer.private_chat
    await chat.wait_for(lambda m: m.from_bot and m.text == (
        f"Anda sekarang tercatat bekerja untuk {agency.name} (oleh Admin)."))
    await set_agency(world.ctx, 2001, None, by=admin, tell=True)
    await chat.wait_for(lambda m: m.from_bot and m.text == (
        "Anda tidak lagi tercatat di instansi mana pun (oleh Admin)."))
