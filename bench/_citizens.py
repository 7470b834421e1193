"""A simulated citizen filing a whole report (story, landmark, desa, no photo, privacy, Kirim), timed."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

STORIES = ("Lampu jalan mati di depan masjid", "Sampah menumpuk di pinggir jalan",
           "Jalan rusak, berlubang dekat sekolah",
           "Drainase tersumbat, air meluap ke jalan")
DESA = ("Bajeng", "Kalabbirang", "Maradekaya", "Pallantikang", "Pappa", "Pattallassang", "Sabintang", "Salaka")


@dataclass
class Filed:
    number: str
    started: float  # perf_counter when the first message was sent
    kirim: float  # perf_counter just before "Kirim" was tapped
    acknowledged: float  # perf_counter when the citizen saw the ticket number


def _has(fragment: str) -> Any:
    return lambda m: fragment in (m.text or "") or fragment in m.button_titles or \
        any(r.title == fragment for r in m.rows)


async def file_report(citizen: Any, i: int, timeout: float = 120, think: float = 0.0) -> Filed:
    """The guided report over WhatsApp, each answer given once the bot has asked for it.

    `think`: seconds a person takes to read a question and answer (each pause drawn between 0.5 and
    1.5 times it, seeded by `i`); the first message waits one such pause too, so starts spread out.
    """
    rng = random.Random(i)

    async def pause() -> None:
        if think:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))

    await pause()
    started = time.perf_counter()
    await citizen.sends_text(f"{STORIES[i % len(STORIES)]} (laporan {i})")
    await citizen.wait_for(lambda m: m.kind == "location_request", timeout=timeout)
    await pause()
    await citizen.sends_text(f"Jl. Poros Takalar no. {i}")  # a landmark instead of a shared location: unique
    desa = DESA[i % len(DESA)]
    await citizen.wait_for(_has(desa), timeout=timeout)
    await pause()
    await citizen.chooses(desa)
    await citizen.wait_for(_has("Lewati"), timeout=timeout)
    await pause()
    await citizen.taps("Lewati")
    await citizen.wait_for(_has("Biasa"), timeout=timeout)
    await pause()
    await citizen.taps("Biasa")
    await citizen.wait_for(_has("Kirim"), timeout=timeout)
    await pause()
    kirim = time.perf_counter()
    await citizen.taps("Kirim")
    received = await citizen.wait_for(lambda m: "PTL-" in (m.text or "") or "Tetap kirim" in m.button_titles,
                                      timeout=timeout)
    if "Tetap kirim" in received.button_titles:  # a nearby open ticket was offered: submit anyway
        await citizen.taps("Tetap kirim")
        received = await citizen.wait_for(lambda m: "PTL-" in (m.text or ""), timeout=timeout)
    acknowledged = time.perf_counter()
    number = next(w for w in (received.text or "").replace(".", " ").split() if w.startswith("PTL-"))
    return Filed(number, started, kirim, acknowledged)
