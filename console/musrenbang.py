"""Ekspor's Musrenbang list: the aspirations noted for a year's Musrenbang in one kecamatan (core/musrenbang.py),
as the CSV `lapor-camat musrenbang YEAR` writes (the one table both write), for its camat and admins and the
kabupaten roles."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from console.export import CSV_TYPE, MUSRENBANG_ROLES, download_headers, export_scope, neutralised
from console.signin import Viewer
from core.context import Context
from core.musrenbang import Aspiration, listed_years, musrenbang_list
from core.texts import text

if TYPE_CHECKING:
    from console.routes import Pages

log = logging.getLogger(__name__)
COLUMNS = ("level", "desa", "number", "category", "story", "received", "noted", "note")


def musrenbang_table(here: Context, aspirations: Sequence[Aspiration], locale: str) -> list[list[str]]:
    """The list's heading and rows as CSV cells, in `locale`: dates local, the citizen's words neutralised."""
    zone = here.profile.zone

    def label(code: str | None) -> str:
        found = here.profile.category(code) if code else None
        return found.label_for(locale) if found else (code or "-")

    return [[text(f"musrenbang.{c}", locale) for c in COLUMNS],
            *([text(f"musrenbang.level_{a.level}", locale), a.desa or "-", a.number, label(a.category),
               neutralised(a.story), f"{a.received_at.astimezone(zone):%Y-%m-%d}",
               f"{a.noted_at.astimezone(zone):%Y-%m-%d}", neutralised(a.note)] for a in aspirations)]


async def musrenbang_places(ctx: Context, viewer: Viewer) -> list[str]:
    """The kecamatan whose Musrenbang list the viewer may take: all for a kabupaten role, else where camat or
    admin."""
    return (await export_scope(ctx, viewer, MUSRENBANG_ROLES)).places


async def answer(pages: Pages, request: Request, viewer: Viewer, locale: str) -> Response:
    """/konsol/ekspor/musrenbang.csv?kecamatan=…&tahun=…: the list as CSV (UTF-8 with a BOM, as the CLI's)."""
    places = await musrenbang_places(pages.ctx, viewer)
    chosen = request.query_params.get("kecamatan", "") or (places[0] if places else "")
    if chosen not in places:
        return pages.message(403, "konsol.musrenbang.forbidden" if not places else "konsol.signin.not_yours", viewer)
    raw, years = request.query_params.get("tahun", ""), listed_years(pages.ctx.at(chosen))
    if not raw.isdigit() or int(raw) not in years:
        return pages.message(400, "konsol.musrenbang.bad_year", viewer, first=years[0], last=years[-1])
    here, year = pages.ctx.at(chosen), int(raw)
    aspirations = await musrenbang_list(here, year)
    out = io.StringIO()
    csv.writer(out).writerows(musrenbang_table(here, aspirations, locale))
    log.info("console export", extra={"staff_id": viewer.staff_id, "export": "musrenbang",
                                      "rows": len(aspirations), "kecamatan": [chosen]})
    return Response(("\ufeff" + out.getvalue()).encode(), media_type=CSV_TYPE,
                    headers=download_headers(f"lapor-camat-{chosen}-musrenbang-{year}.csv"))
