"""Peta: the open and recent cases of the viewer's kecamatan as points on an inline SVG, filtered like the Kasus
list, over the desa centroids and the office: offline by default, or over a tile server's map when MAP_TILE_URL
names one (console/tiles.py: the points then in web mercator, the tiles as <image> elements under them).

Positions are the exact ones the reports carry (staff only). A confidential case is drawn only for those
who may read the figures there (camat, admin, verifier, kabupaten roles): an officer sees no point of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from starlette.requests import Request
from starlette.responses import Response

from console.cases import CaseFilter, filter_from, matching, officer_choices, viewer_kecamatan
from console.export import export_scope
from console.signin import Viewer
from console.tiles import tile_origin, tile_view
from core.context import Context
from core.db.models import Ticket
from core.domain.lifecycle import OPEN_STATES, TicketState
from core.texts import text
from public.plot import fitted

if TYPE_CHECKING:
    from console.routes import Pages

MOST_POINTS = 2000  # the newest; the page says when there were more
RECENT = timedelta(days=30)  # a closed or rejected case stays on the map this long after its last change
WIDTH, HEIGHT = 640, 480
LATE = "#c62828"
COLOURS = {"received": "#f9a825", "verified": "#1565c0", "forwarded": "#6a1b9a", "in_progress": "#00838f",
           "resolved": "#2e7d32", "closed": "#616161", "rejected": "#9e9e9e", "duplicate": "#9e9e9e",
           "cancelled": "#9e9e9e"}


@dataclass(frozen=True)
class Point:
    number: str
    kecamatan: str
    state: str
    category: str | None
    desa: str | None
    created_at: datetime
    overdue: bool
    latitude: float
    longitude: float

    @property
    def colour(self) -> str:
        return LATE if self.overdue else COLOURS.get(self.state, "#9e9e9e")


async def map_points(ctx: Context, wanted: CaseFilter, confidential_in: frozenset[str]) -> tuple[list[Point], bool]:
    """The newest MOST_POINTS cases with a position that `wanted` matches and that are open or changed in the
    last RECENT (confidential ones only in `confidential_in`), and whether there were more."""
    now = ctx.now()
    open_states = [s.value for s in OPEN_STATES]
    query = (select(Ticket.number, Ticket.kecamatan, Ticket.state, Ticket.category, Ticket.desa, Ticket.created_at,
                    Ticket.stage_deadline_at, Ticket.latitude, Ticket.longitude)
             .where(*matching(ctx, wanted, now), Ticket.latitude.is_not(None), Ticket.longitude.is_not(None),
                    or_(Ticket.state.in_(open_states), Ticket.updated_at >= now - RECENT),
                    or_(Ticket.privacy != "confidential", Ticket.kecamatan.in_(confidential_in)))
             .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MOST_POINTS + 1))
    async with ctx.sessions() as session:
        rows = (await session.execute(query)).all()
    points = [Point(r.number, r.kecamatan, r.state, r.category, r.desa, r.created_at,
                    r.state in open_states and r.stage_deadline_at is not None and r.stage_deadline_at < now,
                    r.latitude, r.longitude) for r in rows[:MOST_POINTS]]
    return points, len(rows) > MOST_POINTS


def drawing(ctx: Context, codes: tuple[str, ...], points: list[Point], locale: str,
            tile_url: str = "") -> dict[str, Any]:
    """The SVG's marks (desa centroids, offices), points (x, y, point) and tiles (address, x, y: only with a
    `tile_url`), fitted to the points alone when the profiles place no desa; nothing when nothing has a place."""
    profiles = [ctx.kabupaten.profile(code) for code in codes]
    marks = [(d.name, d.centroid) for p in profiles for d in p.desa if d.centroid is not None]
    marks += [(text("publik.map_office", locale) + (f" {p.name}" if len(profiles) > 1 else ""), p.office)
              for p in profiles if p.office is not None]
    places = [place for _, place in marks] + [(p.latitude, p.longitude) for p in points]
    view = tile_view(places, WIDTH, HEIGHT) if tile_url else None
    xy = view.xy if view is not None else fitted(places, WIDTH, HEIGHT)
    if xy is None:
        return {}
    # Late points last, so they are drawn on top.
    drawn = sorted(points, key=lambda p: p.overdue)
    return {"width": WIDTH, "height": HEIGHT, "marks": [(name, *xy(*place)) for name, place in marks],
            "points": [(*xy(p.latitude, p.longitude), p) for p in drawn],
            "tiles": view.tiles(tile_url) if view is not None else []}


def case_drawing(here: Context, ticket: Ticket, overdue: bool, locale: str) -> dict[str, Any]:
    """A case page's map: its own point over its kecamatan's desa and office, drawn offline (no tiles), so it
    shows without a network; nothing when the case has no place."""
    if ticket.latitude is None or ticket.longitude is None:
        return {}
    point = Point(ticket.number, ticket.kecamatan, ticket.state, ticket.category, ticket.desa, ticket.created_at,
                  overdue, ticket.latitude, ticket.longitude)
    return drawing(here, (here.kecamatan,), [point], locale)


def legend() -> list[tuple[str, str]]:
    """(state, colour) of every state a point can have, then lateness."""
    return [(s.value, COLOURS[s.value]) for s in TicketState if s.value in COLOURS
            and s.value not in ("duplicate", "cancelled")] + [("late", LATE)]


async def answer(pages: Pages, request: Request, viewer: Viewer, locale: str) -> Response:
    """The Peta page: the filter form, the map, its legend and the list of its points."""
    ctx = pages.ctx
    places = await viewer_kecamatan(ctx, viewer)
    if not places:
        return pages.message(403, "konsol.signin.no_role", viewer)
    parsed = filter_from(ctx, places, request.query_params)
    if parsed is None:
        return pages.message(403, "konsol.signin.not_yours", viewer)
    wanted, choices = parsed
    confidential_in = frozenset((await export_scope(ctx, viewer)).places)
    points, capped = await map_points(ctx, wanted, confidential_in)
    settings, origin = pages.settings, tile_origin(pages.settings.map_tile_url)
    tile_url = settings.map_tile_url if origin else ""
    page = pages.render("map.html", viewer=viewer, wanted=wanted, chosen=choices.chosen,
                        places=[(c, ctx.kabupaten.profile(c).name) for c in places],
                        states=[s.value for s in TicketState], desa=choices.desa, kinds=choices.kinds,
                        agencies=choices.agencies, officers=await officer_choices(ctx, wanted.kecamatan),
                        categories=sorted(choices.categories.items(), key=lambda c: c[1]),
                        map=drawing(ctx, wanted.kecamatan, points, locale, tile_url), points=points,
                        capped=capped, most=MOST_POINTS, legend=legend(), recent_days=RECENT.days,
                        attribution=(settings.map_tile_attribution, settings.map_tile_attribution_url),
                        referrer="strict-origin" if tile_url else "no-referrer", **pages._helpers())
    if tile_url:  # the browser fetches the tiles, sending this site's origin alone (tile servers ask for it)
        page.headers["Content-Security-Policy"] = f"default-src 'self'; img-src 'self' {origin}; frame-ancestors 'none'"
        page.headers["Referrer-Policy"] = "strict-origin"
    return page
