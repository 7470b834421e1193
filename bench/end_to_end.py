"""End to end: N citizens report at once over WhatsApp; "Kirim" -> desk card, "Verifikasi" tap -> field card.

    .venv/bin/python bench/end_to_end.py [-n 500] [--tap-rate 0] [--think 0]

In one process, as tests/journey: the reporter bot and the officer bot on one SQLite file, each against
its simulator over in-process ASGI. Telegram's limits are lifted (simulator and the bot's own pacing) and
WhatsApp's per-number throughput too, so the pipeline itself is measured. Every citizen files a whole
guided report (story, landmark, desa, no photo, privacy, Kirim) concurrently: with `--think 0` every
answer goes the moment it is asked for (a burst of 6 x N webhooks); `--think S` gives each person S
seconds (0.5-1.5x) to read and answer, so N sessions stay open together at a human pace. Then the verifier taps
Verifikasi on every desk card: all at once (`--tap-rate 0`) or at the given taps per second.
Baseline in the same run: the citizen's own round trip, "Kirim" -> the ticket number on WhatsApp.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from _citizens import Filed, file_report
from _common import ms, pct
from _world import World, world

from simulator.telegram.people import PendingCallback

# issue 12's p99 targets, seconds: Kirim -> desk card by (citizens, thinking?); Verifikasi -> field card
DESK_TARGET = {(200, False): 3.0, (500, False): 8.0, (500, True): 1.0}
FIELD_TARGET = {200: 2.0, 500: 4.0}


def verdict(seconds: list[float], target: float | None) -> str:
    if target is None:
        return "(no target for this size)"
    return f"p99 target < {target:g} s: {'met' if pct(seconds, 99) < target else 'MISSED'}"


async def report_all(w: World, n: int, think: float) -> list[Filed]:
    filed = await asyncio.gather(*(file_report(w.wa.citizen(f"0813{70_000_000 + i}", name=f"Warga {i}"), i,
                                               timeout=300, think=think) for i in range(n)))
    numbers = [f.number for f in filed]
    await w.tg.changes.wait_until(lambda: all(x in w.desk_watch.seen for x in numbers), timeout=300)
    return list(filed)


async def verify_all(w: World, filed: list[Filed], rate: float) -> tuple[list[float], list[float], int, list[str]]:
    """Tap Verifikasi on each desk card: seconds from each tap to its field card and to its answer (the
    toast the officer sees), how many answers came too late for Telegram to take them, and odd answers."""
    cards = {(m.text or "").split(" ", 1)[0]: m for m in w.desk.bot_messages}
    tapped: dict[str, float] = {}
    answered: list[float] = []
    late: list[str] = []
    odd: list[str] = []

    async def answer_of(pending: PendingCallback, at: float) -> None:
        try:  # Telegram takes an answer for a while only; the bot's answer after it is refused
            answer = await pending.answered(w.tg.callback_timeout + 5)
        except TimeoutError:
            late.append(pending.data)
            return
        answered.append(time.perf_counter() - at)
        if "diverifikasi" not in (answer.text or ""):
            odd.append(answer.text or "")

    waits = []
    start = time.perf_counter()
    for i, f in enumerate(filed):
        if rate:
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        tapped[f.number] = time.perf_counter()
        waits.append(asyncio.create_task(answer_of(w.verifier.tap(cards[f.number], "Verifikasi"), tapped[f.number])))
    await asyncio.gather(*waits)
    await w.tg.changes.wait_until(lambda: all(x in w.field_watch.seen for x in tapped), timeout=300)
    return [w.field_watch.seen[x] - t for x, t in tapped.items()], answered, len(late), odd


async def main(n: int, rate: float, think: float) -> None:
    async with world(telegram_limits=False) as w:
        started = time.perf_counter()
        filed = await report_all(w, n, think)
        reporting = time.perf_counter() - started
        to_desk = [w.desk_watch.seen[f.number] - f.kirim for f in filed]
        to_ack = [f.acknowledged - f.kirim for f in filed]
        to_field, to_answer, late, odd = await verify_all(w, filed, rate)
    pace = "every answer at once" if not think else f"{think:g} s to read and answer each question (0.5-1.5x)"
    print(f"end to end: nproc {os.cpu_count()}, {n} citizens at once, {pace}, SQLite, in-process simulators, "
          f"Telegram limits off; all reports filed in {reporting:.1f} s")
    print(f"  Kirim -> number on WhatsApp (baseline)  {ms(to_ack)}")
    desk_target = DESK_TARGET.get((n, think > 0))
    print(f"  Kirim -> desk card in Telegram          {ms(to_desk)}   {verdict(to_desk, desk_target)}")
    how = "all at once" if not rate else f"{rate:g}/s"
    print(f"  Verifikasi tap -> field card ({how:>11}) {ms(to_field)}   {verdict(to_field, FIELD_TARGET.get(n))}")
    print(f"  Verifikasi tap -> its answer (toast)      {ms(to_answer) if to_answer else '-'}; "
          f"{late} answered after Telegram's window (the work done, the toast lost)")
    if odd:
        print(f"  {len(odd)} taps not answered 'diverifikasi', e.g. {odd[:2]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--tap-rate", type=float, default=0, help="Verifikasi taps per second; 0 = all at once")
    parser.add_argument("--think", type=float, default=0, help="seconds each citizen takes per answer (0 = none: "
                        "all N send every answer the moment it is asked for)")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.tap_rate, args.think))
