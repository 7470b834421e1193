"""The Musrenbang list: the aspirations noted for a year's planning meeting, per desa, confidential ones left
out, nobody named; and `lapor-camat musrenbang YEAR` writes it as CSV."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from core.context import Context
from core.domain.reports import NewReport, Outcome, Privacy
from core.musrenbang import musrenbang_list
from core.usecases.citizen import submit_ticket
from core.usecases.desk import record_outcome
from tests.core.story import Cast, cast
from tests.core.test_cli import run


async def noted(ctx: Context, people: Cast, story: str, desa: str, outcome: Outcome, year: int,
                privacy: Privacy = Privacy.NORMAL) -> str:
    """The reporter's aspiration, noted by the desk for a Musrenbang; its number."""
    done = await submit_ticket(ctx, people.reporter, NewReport(description=story, category="saran", desa=desa,
                                                               privacy=privacy))
    await record_outcome(ctx, people.verifier, done.ticket_id, outcome, year=year)
    return done.number


async def test_the_years_aspirations_per_desa_without_the_confidential(db_url: str, ctx: Context,
                                                                      tmp_path: Path) -> None:
    people = await cast(ctx)
    posyandu = await noted(ctx, people, "Posyandu baru di Dusun Bontoa, hubungi 081234567890", "Pappa",
                           Outcome.MUSRENBANG_DESA, 2027)
    lampu = await noted(ctx, people, "Lampu di lapangan desa", "Bajeng", Outcome.MUSRENBANG_DESA, 2027)
    jembatan = await noted(ctx, people, "Jembatan antar desa", "Bajeng", Outcome.MUSRENBANG_KECAMATAN, 2027)
    await noted(ctx, people, "Pasar desa", "Bajeng", Outcome.MUSRENBANG_DESA, 2028)  # another year
    await noted(ctx, people, "Rahasia", "Bajeng", Outcome.MUSRENBANG_DESA, 2027, Privacy.CONFIDENTIAL)

    found = await musrenbang_list(ctx, 2027)
    assert [(a.level, a.desa, a.number) for a in found] == [
        ("desa", "Bajeng", lampu), ("desa", "Pappa", posyandu), ("kecamatan", "Bajeng", jembatan)]
    assert "081234567890" not in found[1].story

    await ctx.sessions.kw["bind"].dispose()  # let the CLI have the database to itself
    out = tmp_path / "musrenbang.csv"
    done = await asyncio.to_thread(run, tmp_path, "musrenbang", "2027", "--out", str(out), DATABASE_URL=db_url)
    assert done.returncode == 0, done.stderr
    assert "3 aspirations for the Musrenbang of 2027" in done.stderr
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["Musrenbang", "Desa/kelurahan", "Nomor", "Kategori", "Usulan warga", "Masuk", "Dicatat",
                       "Keterangan"]
    assert [r[:4] for r in rows[1:]] == [["Desa", "Bajeng", lampu, "Saran & masukan"],
                                         ["Desa", "Pappa", posyandu, "Saran & masukan"],
                                         ["Kecamatan", "Bajeng", jembatan, "Saran & masukan"]]
    assert "Daeng Ngalle" not in out.read_text(encoding="utf-8-sig")
    beyond = await asyncio.to_thread(run, tmp_path, "musrenbang", "2100", DATABASE_URL=db_url)
    assert beyond.returncode == 2 and "Not a planning year: 2100 (a list exists for 2000 to " in beyond.stderr
