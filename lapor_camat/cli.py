"""`lapor-camat`: the command line of the whole system."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import getpass
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from console.musrenbang import musrenbang_table
from console.signin import issue_link, link_url
from core.audit import actor_label
from core.context import Context, utc_now
from core.db.migrate import upgrade
from core.domain.errors import Refused
from core.domain.lifecycle import KABUPATEN_ROLES
from core.domain.people import Actor, mask_phones_in, staff_view_of_reporter
from core.kabupaten import Kabupaten, load_install, sole_kecamatan
from core.logs import configure_logging
from core.musrenbang import listed_years, musrenbang_list
from core.profile import ProfileError
from core.queries import list_tickets, ticket_detail
from core.settings import Component, Settings, SettingsError, load_settings
from core.texts import DEFAULT_LOCALE, refusal, text
from core.usecases.held import list_waiting, release_held
from core.usecases.staff import (
    add_staff,
    list_staff,
    parse_roles,
    remove_staff,
    staff_history,
    sync_kabupaten_staff,
)
from lapor_camat.bootstrap import open_context

T = TypeVar("T")


def _fail(lines: list[str], code: int = 2) -> None:
    for line in lines:
        click.echo(f"  - {line}", err=True)
    sys.exit(code)


def _settings(check_database: bool = True) -> Settings:
    try:
        return load_settings(check_database=check_database)
    except SettingsError as exc:
        click.echo("Settings are invalid:", err=True)
        _fail(exc.problems)
        raise  # unreachable


def _run(coro_fn: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    """Run an async command, turning expected failures into one clear message (no traceback)."""

    @functools.wraps(coro_fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return asyncio.run(coro_fn(*args, **kwargs))
        except ProfileError as exc:
            click.echo(f"Profile {exc.path} is invalid:", err=True)
            _fail(exc.problems)
        except Refused as exc:
            click.echo(f"Refused: {refusal(exc, 'en')} ({exc})", err=True)
            sys.exit(1)
        except (OperationalError, ProgrammingError) as exc:
            click.echo(f"Database error: {exc.orig}. Has the schema been created? Run: lapor-camat db upgrade",
                       err=True)
            sys.exit(1)
        raise AssertionError("unreachable")

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Lapor Camat: WhatsApp complaints to a kecamatan's Telegram desk and field officers."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema of DATABASE_URL."""
    settings = _settings()
    try:
        upgrade(settings.database_url, revision, sole_kecamatan(settings.kabupaten_file, settings.kecamatan_profile))
    except OperationalError as exc:
        click.echo(f"Cannot reach the database: {exc.orig}", err=True)
        sys.exit(1)
    except RuntimeError as exc:  # a migration that needs to be told something (it says what)
        click.echo(f"Migration stopped: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Schema is at {revision} on {settings.database_url.split('@')[-1]}")


@main.command("check-config")
@click.option("--component", "components", multiple=True, type=click.Choice(["database", "whatsapp", "telegram"]),
              help="Check only these parts (default: all).")
def check_config(components: tuple[Component, ...]) -> None:
    """Validate the settings, the kabupaten file or kecamatan profile; exit non-zero naming each problem."""
    settings = _settings(check_database=False)
    problems = settings.problems(components or ("database", "whatsapp", "telegram"))
    install: Kabupaten | None = None
    try:
        install = load_install(settings.kabupaten_file, settings.kecamatan_profile)
    except ProfileError as exc:
        key = "KABUPATEN_FILE" if settings.kabupaten_file else "KECAMATAN_PROFILE"
        where = f"{key} {exc.path}: " if settings.kabupaten_file or settings.kecamatan_profile else ""
        problems += [f"{where}{p}" for p in exc.problems]
    if problems:
        click.echo(f"{len(problems)} problem(s) in the configuration:", err=True)
        _fail(problems, code=1)
    assert install is not None
    if (not components or "telegram" in components) and (
            problems := settings.kecamatan_bot_problems([k.code for k in install])):  # codes it does not have
        click.echo(f"{len(problems)} problem(s) in the configuration:", err=True)
        _fail(problems, code=1)
    if len(install) > 1:
        click.echo(f"OK: {install.name}, {len(install)} kecamatan, {len(install.agencies)} agencies")
    for profile in install:
        click.echo(f"OK: {profile.name} ({profile.ticket_prefix}), {len(profile.desa)} desa/kelurahan, "
                   f"{len(profile.categories)} categories, zone {profile.timezone}")
    click.echo(f"    database {settings.database_url.split('@')[-1]}, WhatsApp API {settings.whatsapp_api_url}, "
               f"Telegram API {settings.telegram_api_url}")


@main.group()
def staff() -> None:
    """Staff who act in Telegram (verifier, officer, camat, admin)."""


def _operator() -> Actor:
    """Who runs the CLI, as the staff audit trail records them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment
        user = "?"
    return Actor.system(f"cli {user}"[:100])


def _kecamatan_of(ctx: Context, given: str | None, what: str) -> Context:
    """The kecamatan a staff command acts in: the one named, else the install's only one."""
    if given:
        if given not in ctx.kabupaten.profiles:
            click.echo(f"No kecamatan {given!r} in {ctx.kabupaten.name} (known: {', '.join(ctx.kabupaten.profiles)})",
                       err=True)
            sys.exit(2)
        return ctx.at(given)
    if len(ctx.kabupaten) == 1:
        return ctx
    click.echo(f"{ctx.kabupaten.name} has {len(ctx.kabupaten)} kecamatan: say which one {what} with --kecamatan "
               f"(one of: {', '.join(ctx.kabupaten.profiles)})", err=True)
    sys.exit(2)


KECAMATAN_HELP = "The kecamatan's code (needed when the install serves several)."


@staff.command("add")
@click.argument("telegram_id", type=int)
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True,
              help="verifier, officer, camat or admin (in the kecamatan), kabupaten_admin or inspektorat "
                   "(kabupaten-wide); repeatable.")
@click.option("--desa", multiple=True, help="Desa/kelurahan this person covers; repeatable.")
@click.option("--category", "categories", multiple=True,
              help="Category code this officer works on (a trade, e.g. the electrician's street lights); "
                   "repeatable; none given keeps theirs, '-' clears them.")
@click.option("--kecamatan", help=KECAMATAN_HELP + " Not needed for kabupaten roles alone.")
@_run
async def staff_add(telegram_id: int, name: str, roles: tuple[str, ...], desa: tuple[str, ...],
                    categories: tuple[str, ...], kecamatan: str | None) -> None:
    """Register or update a staff member by Telegram user id: their roles in one kecamatan (others stay)."""
    parsed = parse_roles(roles)
    async with open_context(_settings()) as ctx:
        wide_only = not parsed - KABUPATEN_ROLES and not desa
        place = ctx if wide_only and not kecamatan else _kecamatan_of(ctx, kecamatan, "the roles are for")
        trades = tuple(c for c in categories if c != "-") if categories else None
        person = await add_staff(place, telegram_id, name, parsed, desa, by=_operator(), categories=trades)
        click.echo(f"{person.name} ({person.telegram_id}) in {place.profile.name}: {', '.join(person.roles)}")


@staff.command("sync")
@_run
async def staff_sync() -> None:
    """Give the people the kabupaten file lists under [[staff]] their kabupaten role now (lapor-camat run does
    it at start); only adds, and a deactivated person stays deactivated."""
    async with open_context(_settings()) as ctx:
        lines = await sync_kabupaten_staff(ctx)
        listed = len(ctx.kabupaten.staff)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo(f"Nothing to change: the {listed} people of the kabupaten file's [[staff]] hold their roles"
                   if listed else "The kabupaten file lists no [[staff]]")


@staff.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated staff.")
@click.option("--kecamatan", help=KECAMATAN_HELP)
@_run
async def staff_list(include_inactive: bool, kecamatan: str | None) -> None:
    """List a kecamatan's staff (with their roles there and their kabupaten roles)."""
    async with open_context(_settings()) as ctx:
        people = await list_staff(_kecamatan_of(ctx, kecamatan, "to list"), include_inactive)
    if not people:
        click.echo("No staff yet. Add one: lapor-camat staff add TELEGRAM_ID NAME --role verifier")
    for person in people:
        flag = "" if person.active else "  (inactive)"
        click.echo(f"{person.telegram_id:>14}  {person.name:<24} {','.join(person.roles):<20} "
                   f"{','.join(person.desa)}{' [' + ','.join(person.categories) + ']' if person.categories else ''}"
                   f"{flag}")


@staff.command("remove")
@click.argument("telegram_id", type=int)
@click.option("--kecamatan", help=KECAMATAN_HELP + " Takes away the roles there only.")
@click.option("--everywhere", is_flag=True, help="Deactivate the person in every kecamatan.")
@_run
async def staff_remove(telegram_id: int, kecamatan: str | None, everywhere: bool) -> None:
    """Take a staff member's roles in a kecamatan away; with none left anywhere (or --everywhere) they are
    deactivated (the audit trail keeps their name)."""
    async with open_context(_settings()) as ctx:
        place = None if everywhere else _kecamatan_of(ctx, kecamatan, "to remove them from")
        found = await remove_staff(place or ctx, telegram_id, kecamatan=place.kecamatan if place else None,
                                   by=_operator())
        if not found:
            click.echo(f"No staff member with Telegram id {telegram_id}", err=True)
            sys.exit(1)
    click.echo(f"Removed {telegram_id} from {place.profile.name}" if place else f"Deactivated {telegram_id}")


@staff.command("link")
@click.argument("telegram_id", type=int)
@_run
async def staff_link(telegram_id: int) -> None:
    """Print a one-time sign-in link to the web console for an active staff member (valid 10 minutes)."""
    settings = _settings()
    async with open_context(settings) as ctx:
        token = await issue_link(ctx, telegram_id)
    click.echo(link_url(settings, token))


@staff.command("history")
@click.argument("telegram_id", type=int, required=False)
@_run
async def staff_history_command(telegram_id: int | None) -> None:
    """Who added, approved, changed or deactivated whom, and when (one person's, or everyone's)."""
    async with open_context(_settings()) as ctx:
        events = await staff_history(ctx, telegram_id)
        zone = ctx.profile.zone
    if not events:
        click.echo("No staff changes recorded.")
    for event in events:
        roles = ",".join([*(event.data.get("roles") or []), *(event.data.get("kabupaten_roles") or [])])
        click.echo(f"{event.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {event.action:<10} {event.telegram_id:>14}  "
                   f"{event.data.get('name', '')!s:<24} {event.kecamatan or '-':<16} {roles:<20} "
                   f"by {event.actor_name or event.actor_kind}")


PG_BIN_HELP = "Where pg_dump/pg_restore are (default: the ones matching the server's version)."


def _progress(line: str) -> None:
    click.echo(line, err=True)


@main.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--pg-bin", type=click.Path(file_okay=False, path_type=Path), help=PG_BIN_HELP)
def backup_command(dest: Path, pg_bin: Path | None) -> None:
    """Back up the database and MEDIA_DIR into DEST, a new directory; consistent while the system runs."""
    from lapor_camat.backup import BackupError, backup

    settings = _settings()
    try:
        made = asyncio.run(backup(settings, dest, _progress, pg_bin))
    except BackupError as exc:
        click.echo(f"Backup failed: {exc}", err=True)
        sys.exit(1)
    for warning in made["warnings"]:
        click.echo(f"Warning: {warning}", err=True)
    media = made["media"]
    click.echo(f"Backed up {made['tickets']:,} tickets ({sum(made['rows'].values()):,} rows, schema "
               f"{', '.join(made['schema_revision']) or '-'}) and {media['files']:,} media files "
               f"({media['bytes'] / 1e6:,.1f} MB) into {dest} in {sum(made['seconds'].values()):.1f} s")


@main.command("restore")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already has rows (says what it replaces).")
@click.option("--pg-bin", type=click.Path(file_okay=False, path_type=Path), help=PG_BIN_HELP)
def restore_command(src: Path, force: bool, pg_bin: Path | None) -> None:
    """Restore a backup made by `lapor-camat backup` into DATABASE_URL (empty) and MEDIA_DIR, then check it."""
    from lapor_camat.backup import BackupError
    from lapor_camat.restore import restore

    settings = _settings()
    try:
        done = asyncio.run(restore(settings, src, _progress, force, pg_bin))
    except BackupError as exc:
        click.echo(f"Restore failed: {exc}", err=True)
        sys.exit(1)
    made = done.manifest
    click.echo(f"Restored {made['tickets']:,} tickets ({sum(made['rows'].values()):,} rows) and "
               f"{made['attachment_files']:,} attachment files ({done.media_files:,} media files copied) from "
               f"the backup of {made['created_at']} in {done.seconds:.1f} s; counts match the manifest.")
    if done.behind:
        click.echo("The backup's schema is older than this lapor-camat: run `lapor-camat db upgrade` next.")


@main.group()
def tickets() -> None:
    """Look at tickets."""


@tickets.command("list")
@click.option("--state")
@click.option("--category")
@click.option("--desa")
@click.option("--limit", default=50, show_default=True)
@_run
async def tickets_list(state: str | None, category: str | None, desa: str | None, limit: int) -> None:
    """The newest tickets, with state, category, desa, age and assignee."""
    async with open_context(_settings()) as ctx:
        rows = await list_tickets(ctx, state, category, desa, limit)
        now = utc_now()
    if not rows:
        click.echo("No tickets match.")
    for row in rows:
        t = row.ticket
        age = _age(now - t.created_at)
        click.echo(f"{t.number}  {text('state.' + t.state):<18} {t.category or '-':<16} {t.desa or '-':<14} "
                   f"{age:>5}  {row.assignee or '-'}")


@tickets.command("show")
@click.argument("number")
@_run
async def tickets_show(number: str) -> None:
    """One ticket with its history."""
    async with open_context(_settings()) as ctx:
        detail = await ticket_detail(ctx, number)
        zone = ctx.profile.zone
    if detail is None:
        click.echo(f"No ticket {number.upper()}", err=True)
        sys.exit(1)
    t = detail.ticket
    reporter = staff_view_of_reporter(t.privacy, detail.reporter_wa_id) or "anonim"
    where = ", ".join(x for x in (t.address, t.desa or "") if x) or "-"
    if t.latitude is not None:
        where += f" ({t.latitude:.5f}, {t.longitude:.5f})"
    click.echo(f"{t.number}  {text('state.' + t.state)}  [{t.report_type}/{t.category or '-'}]")
    click.echo(f"  reporter  {reporter}   assignee {detail.assignee or '-'}   escalation {t.escalation_level}")
    click.echo(f"  where     {where}")
    if t.stage_deadline_at:
        click.echo(f"  due       {t.stage_deadline_at.astimezone(zone):%Y-%m-%d %H:%M %Z}")
    click.echo(f"  text      {mask_phones_in(t.description[:300])}")
    for f in detail.attachments:
        click.echo(f"  file      {f.role}/{f.kind} {f.mime or ''} {f.size or ''} {f.fetch_error or ''}".rstrip())
    for e in detail.events:
        extra = mask_phones_in(" ".join(f"{k}={v}" for k, v in e.data.items() if v not in (None, "", [])))
        who = actor_label(e, t.reporter_id)  # a citizen by their part: the name is not the console's
        click.echo(f"  {e.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {e.action:<16} {who:<16} "
                   f"{e.from_state or '':>11} -> {e.to_state:<11} {extra}".rstrip())


@main.command("musrenbang")
@click.argument("year", type=int)
@click.option("--kecamatan", help="The kecamatan's code (needed in a kabupaten of several).")
@click.option("--out", type=click.File("w", encoding="utf-8-sig"), default="-",
              help="A CSV file to write (default: the terminal).")
@_run
async def musrenbang_command(year: int, kecamatan: str | None, out: Any) -> None:
    """The aspirations noted for the Musrenbang of YEAR, per desa, as CSV (for the planning meeting)."""
    async with open_context(_settings()) as ctx:
        here = _kecamatan_of(ctx, kecamatan, "musrenbang")
        years = listed_years(here)  # as the console's: up to the last planning year
        if year not in years:
            click.echo(f"Not a planning year: {year} (a list exists for {years[0]} to {years[-1]})", err=True)
            sys.exit(2)
        rows = await musrenbang_list(here, year)
    csv.writer(out).writerows(musrenbang_table(here, rows, DEFAULT_LOCALE))  # as the console's Ekspor does
    click.echo(f"{len(rows)} aspirations for the Musrenbang of {year} ({here.profile.name}).", err=True)


@main.group()
def reports() -> None:
    """Reports held over a citizen's daily limit (filed automatically the next day)."""


@reports.command("held")
@_run
async def reports_held() -> None:
    """The reports waiting for their citizen's daily limit, oldest first."""
    async with open_context(_settings()) as ctx:
        waiting = await list_waiting(ctx)
        zone = ctx.profile.zone
    if not waiting:
        click.echo("No reports are held.")
    for w in waiting:
        click.echo(f"{w.id:>6}  {w.held_at.astimezone(zone):%Y-%m-%d %H:%M}  {w.reporter or 'anonim':<14} "
                   f"{w.category or '-':<16} {w.desa or '-':<14} {mask_phones_in(w.description[:60])}")


@reports.command("release")
@click.argument("held_ids", nargs=-1, type=int, required=True)
@_run
async def reports_release(held_ids: tuple[int, ...]) -> None:
    """Lift the daily limit for these held reports: file them now (the citizens are told the numbers)."""
    async with open_context(_settings()) as ctx:
        for held_id in held_ids:
            filed = await release_held(ctx, Actor.system("cli"), held_id)
            click.echo(f"{held_id}: {'already filed as' if filed.already else 'filed as'} {filed.number}")


@main.group()
def telegram() -> None:
    """Telegram set-up helpers."""


@telegram.command("chats")
@_run
async def telegram_chats() -> None:
    """The chats the bot has seen, with their ids, to put in the profile's [telegram] table.

    Add the bot to the desk and field groups, send a command there (e.g. /start@YourBot) while
    `lapor-camat run` is running, then run this.
    """
    from officer_bot.seen_chats import seen_chats

    async with open_context(_settings()) as ctx:
        chats = await seen_chats(ctx)
        slots = {ctx.profile.telegram.desk_chat_id: "desk_chat_id", ctx.profile.telegram.camat_user_id: "camat_user_id",
                 **{c: "field_chat_ids" for c in ctx.profile.telegram.field_chat_ids}}
        zone = ctx.profile.zone
    if not chats:
        click.echo("The bot has seen no chat yet. Add it to the groups, send /start there while "
                   "`lapor-camat run` is running, then try again.")
    for chat in chats:
        slot = f"  <- profile {slots[chat.chat_id]}" if chat.chat_id in slots else ""
        click.echo(f"{chat.chat_id:>16}  {chat.kind:<10} {chat.title:<32} "
                   f"{chat.last_seen.astimezone(zone):%Y-%m-%d %H:%M}{slot}")


@main.command("run")
@click.option("--only", "only", multiple=True, type=click.Choice(["reporter", "officer", "scheduler"]),
              help="Run only these parts (repeatable), for scaling out; default: everything in one process.")
@click.option("--migrate/--no-migrate", default=False, help="Upgrade the database schema before starting.")
def run_command(only: tuple[str, ...], migrate: bool) -> None:
    """Run the webhook server, the Telegram bot, the outbox dispatchers and the scheduler."""
    from lapor_camat.run import PARTS, run

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format, settings.secrets())
    try:
        asyncio.run(run(settings, only or PARTS, migrate))
    except SettingsError as exc:
        click.echo("Cannot start, the configuration has problems:", err=True)
        _fail(exc.problems, code=2)
    except ProfileError as exc:
        click.echo(f"Cannot start, profile {exc.path} is invalid:", err=True)
        _fail(exc.problems, code=2)
    except KeyboardInterrupt:
        pass


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, help="The sandbox page; the simulators and the system "
              "take the next ports (+1 WhatsApp, +2 Telegram, +8 the system's webhooks).")
def demo_command(host: str, port: int) -> None:
    """Run the whole system against local simulators with a browser sandbox (SQLite under ./var/demo)."""
    from lapor_camat.demo import demo

    # A newcomer's terminal shows what matters: the parts starting, the URL, warnings and errors
    # (not every migration step, job run or library lifecycle line).
    configure_logging("WARNING", "console")
    logging.getLogger("lapor_camat").setLevel(logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(demo(host, port))


@main.command("simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--whatsapp-port", default=8081, show_default=True)
@click.option("--telegram-port", default=8082, show_default=True)
@click.option("--webhook-url", default="http://127.0.0.1:8080/webhook/whatsapp", show_default=True,
              help="Where the simulated citizens' messages are POSTed (the reporter bot's webhook).")
def simulator(host: str, whatsapp_port: int, telegram_port: int, webhook_url: str) -> None:
    """Serve local WhatsApp Cloud API and Telegram Bot API simulators for the whole install (every kecamatan's
    number, desk and field groups, the kabupaten's chat and the agencies' groups), and print the settings to
    use them."""
    from simulator.sandbox import SANDBOX_SETTINGS, build_sandbox, serve

    settings = _settings()
    try:
        install = load_install(settings.kabupaten_file, settings.kecamatan_profile)
    except ProfileError as exc:
        click.echo(f"Profile {exc.path} is invalid:", err=True)
        _fail(exc.problems)
        return
    wa_url, tg_url = f"http://{host}:{whatsapp_port}", f"http://{host}:{telegram_port}"
    sandbox = build_sandbox(install, webhook_url, wa_url, tg_url)
    click.echo(f"WhatsApp Cloud API simulator: {wa_url}  (webhooks to {webhook_url})")
    click.echo(f"Telegram Bot API simulator:   {tg_url}")
    numbers = sandbox.whatsapp.accounts
    for profile in install:
        phone_id = profile.whatsapp_phone_id or sandbox.whatsapp.phone_id
        chats = profile.telegram
        click.echo(f"  {profile.name}: WhatsApp +{numbers[phone_id].display_phone_number} (phone id {phone_id}), "
                   f"desk chat {chats.desk_chat_id}, field chat(s) {', '.join(map(str, chats.field_chat_ids))}")
    click.echo("Point the bots at them with these settings (e.g. in .env):")
    for key, value in {**SANDBOX_SETTINGS, "WHATSAPP_API_URL": wa_url, "TELEGRAM_API_URL": tg_url}.items():
        click.echo(f"  {key}={value}")
    asyncio.run(serve(sandbox, host, whatsapp_port, telegram_port, on_ready=lambda: click.echo("Ready. Ctrl-C stops.")))


def _age(delta: Any) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // 1440}d"


@main.group()
def open311() -> None:
    """Keys of the Open311 API (/open311/v2): outside systems that may post reports.

    Keys made here are stored hashed and can be revoked; they are preferred over OPEN311_API_KEYS,
    which keeps working for installs that set it.
    """


@open311.command("key-add")
@click.argument("name")
@click.option("--per-minute", type=click.IntRange(1, 10_000), default=30, show_default=True,
              help="The most reports this key may post in a minute (counted per server process).")
@_run
async def open311_key_add(name: str, per_minute: int) -> None:
    """Make a key for NAME (the system or who runs it); the key is printed once and never kept."""
    from open311.keys import add_key

    if not name.strip():
        click.echo("NAME may not be empty", err=True)
        sys.exit(2)
    async with open_context(_settings()) as ctx:
        made = await add_key(ctx, name, per_minute)
    click.echo(f"Key {made.id} for {name.strip()} ({per_minute} a minute). Give it to them now; "
               "it is not stored and cannot be shown again:")
    click.echo(made.key)


@open311.command("key-list")
@_run
async def open311_key_list() -> None:
    """The keys made: id, name, limit, when made and revoked (never the key)."""
    from open311.keys import list_keys

    async with open_context(_settings()) as ctx:
        keys = await list_keys(ctx)
        zone = ctx.profile.zone
    if not keys:
        click.echo("No Open311 keys yet. Make one: lapor-camat open311 key-add NAME")
    for key in keys:
        revoked = f"revoked {key.revoked_at.astimezone(zone):%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        click.echo(f"{key.id:>5}  {key.name:<32} {key.per_minute:>5}/min  "
                   f"made {key.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {revoked}")


@open311.command("key-revoke")
@click.argument("key_id", type=int)
@_run
async def open311_key_revoke(key_id: int) -> None:
    """Revoke key KEY_ID (see key-list): from now on its posts are refused."""
    from open311.keys import revoke_key

    async with open_context(_settings()) as ctx:
        found = await revoke_key(ctx, key_id)
    if found is None:
        click.echo(f"No Open311 key {key_id} (see: lapor-camat open311 key-list)", err=True)
        sys.exit(1)
    click.echo(f"Key {found.id} ({found.name}) is revoked.")
