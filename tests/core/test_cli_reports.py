"""`lapor-camat reports` lifts the daily limit; `tickets show` names no anonymous or confidential reporter."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.context import Context
from core.db.models import TicketEvent
from core.domain.reports import NewReport, Privacy
from core.usecases.citizen import citizen_answers
from core.usecases.held import Held, submit_or_hold
from tests.core.story import cast, report
from tests.core.test_cli import run

NAME, NUMBERS = "Daeng Ngalle", ("081234567890", "6281234567890", "0812****890", "1234567890")


async def test_reports_release_files_a_held_report_at_once(db_url: str, ctx: Context, tmp_path: Path) -> None:
    people = await cast(ctx)
    limited = Context(sessions=ctx.sessions, clock=ctx.clock, outbox=ctx.outbox,
                      profile=ctx.profile.model_copy(update={"daily_ticket_limit": 1}))
    await report(limited, people.reporter)
    held = await submit_or_hold(limited, people.reporter, NewReport(
        "Got tersumbat di Jl. Poros", category="drainase", desa="Salaka", privacy=Privacy.CONFIDENTIAL))
    assert isinstance(held, Held)
    await ctx.sessions.kw["bind"].dispose()  # let the CLI have the database to itself
    env = {"DATABASE_URL": db_url}

    def consoles() -> None:
        listed = run(tmp_path, "reports", "held", **env)
        assert listed.returncode == 0, listed.stderr
        assert f"{held.held_id:>6}" in listed.stdout and "anonim" in listed.stdout and "drainase" in listed.stdout
        assert NAME not in listed.stdout and not any(n in listed.stdout for n in NUMBERS)
        released = run(tmp_path, "reports", "release", str(held.held_id), **env)
        assert released.returncode == 0, released.stderr
        assert released.stdout.strip() == f"{held.held_id}: filed as PTL-000002"
        again = run(tmp_path, "reports", "release", str(held.held_id), **env)
        assert again.stdout.strip() == f"{held.held_id}: already filed as PTL-000002"
        assert "No reports are held." in run(tmp_path, "reports", "held", **env).stdout
        missing = run(tmp_path, "reports", "release", "999", **env)
        assert missing.returncode == 1 and "Traceback" not in missing.stderr

    await asyncio.to_thread(consoles)


async def test_tickets_show_names_no_anonymous_or_confidential_reporter(
        db_url: str, ctx: Context, tmp_path: Path) -> None:
    people = await cast(ctx)  # the reporter's WhatsApp profile name is "Daeng Ngalle"
    for privacy in (Privacy.ANONYMOUS, Privacy.CONFIDENTIAL):
        tid = await report(ctx, people.reporter, "Ada keributan tiap malam", privacy=privacy)
        await citizen_answers(ctx, people.reporter, tid, "Telepon saya di 081234567890")
    async with ctx.sessions.begin() as session:  # a row written before names left the audit trail
        session.add(TicketEvent(ticket_id=1, action="citizen_answers", actor_kind="citizen",
                                actor_id=people.reporter.id, actor_name=NAME, from_state="received",
                                to_state="received", data={}, created_at=ctx.now()))
    await ctx.sessions.kw["bind"].dispose()
    env = {"DATABASE_URL": db_url}

    def consoles() -> None:
        for number in ("PTL-000001", "PTL-000002"):
            shown = run(tmp_path, "tickets", "show", number, **env)
            assert shown.returncode == 0, shown.stderr
            assert "reporter  anonim" in shown.stdout and " submit " in shown.stdout and "pelapor" in shown.stdout
            assert NAME not in shown.stdout and not any(n in shown.stdout for n in NUMBERS)

    await asyncio.to_thread(consoles)
