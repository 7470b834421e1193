"""The SQLAlchemy tables: the persistence adapter for the domain. Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both engines (SQLite keeps no zone, so it is put back on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class Citizen(Base):
    __tablename__ = "citizens"
    id: Mapped[int] = mapped_column(primary_key=True)
    wa_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    locale: Mapped[str] = mapped_column(String(5), default="id")
    last_inbound_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # A reporter from another channel (Open311): the phone or email they gave, masked, for staff only.
    contact: Mapped[str] = mapped_column(String(80), default="", server_default="")


class Staff(Base):
    """A person who acts in Telegram: the roles they hold in each kecamatan are `StaffRoles` rows; the
    kabupaten-wide ones (kabupaten_admin, inspektorat) are here."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kabupaten_roles: Mapped[list[str]]
    desa: Mapped[list[str]]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    agency: Mapped[str | None] = mapped_column(String(40))  # the agency (kabupaten file's code) they work for
    # The categories (trades) they work on, e.g. street lights for the electrician; none: any category.
    categories: Mapped[list[str]] = mapped_column(default=list, server_default="[]")


class StaffRoles(Base):
    """The roles one staff member holds in one kecamatan (a row only while they hold any there)."""

    __tablename__ = "staff_roles"
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    kecamatan: Mapped[str] = mapped_column(String(40), primary_key=True)
    roles: Mapped[list[str]]
    # On duty there now (/tugas); `duty_until`: when that lapses to the other (None: until changed).
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    duty_until: Mapped[datetime | None]

    __table_args__ = (Index("ix_staff_roles_kecamatan", "kecamatan"),)


class TicketCounter(Base):
    """The last number given per ticket prefix; incremented in the submitting transaction."""

    __tablename__ = "ticket_counters"
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kecamatan: Mapped[str] = mapped_column(String(40))
    report_type: Mapped[str] = mapped_column(String(12))
    category: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    desa: Mapped[str | None] = mapped_column(String(40))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    privacy: Mapped[str] = mapped_column(String(12), default="normal")
    state: Mapped[str] = mapped_column(String(12))
    stage_started_at: Mapped[datetime]
    stage_deadline_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    rating: Mapped[int | None] = mapped_column(Integer)
    reject_reason: Mapped[str | None] = mapped_column(String(300))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    forward_agency: Mapped[str | None] = mapped_column(String(100))
    forward_reference: Mapped[str | None] = mapped_column(String(100))
    agency_accepted_at: Mapped[datetime | None]  # the agency (forward_agency) took the case
    agency_holder: Mapped[str | None] = mapped_column(String(100))  # who at the agency took it
    source_ref: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The desk's mark that the citizen's own photos may be shown publicly (never for a confidential case).
    citizen_photos_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    __table_args__ = (
        # The deadline scan reads only tickets that are due and not yet fully escalated.
        Index("ix_tickets_due", "stage_deadline_at", "escalation_level"),
        Index("ix_tickets_state_category", "state", "category"),
        Index("ix_tickets_reporter", "reporter_id"),
        Index("ix_tickets_latlon", "latitude", "longitude"),
        # A kecamatan's figures (digest, weekly summary, the kabupaten's comparison) read its own rows.
        Index("ix_tickets_kecamatan_state", "kecamatan", "state"),
        Index("ix_tickets_kecamatan_created", "kecamatan", "created_at"),
        # The public figures (public/figures.py) count each clock's month from its index alone, and the public
        # list (public/view.py) picks each kecamatan's newest public cases from the first (migration 0015).
        Index("ix_tickets_kecamatan_created_public", "kecamatan", "created_at", "id", "privacy", "state", "category",
              "report_type", "desa"),
        Index("ix_tickets_kecamatan_resolved", "kecamatan", "resolved_at", "privacy", "created_at", "forward_agency",
              "category", "report_type", "desa", "id"),
        Index("ix_tickets_kecamatan_closed", "kecamatan", "closed_at", "privacy", "state", "rating"),
        Index("ix_tickets_kecamatan_verified", "kecamatan", "verified_at", "privacy", "created_at", "id"),
        Index("ix_tickets_kecamatan_accepted", "kecamatan", "accepted_at", "privacy", "created_at", "id"),
    )


class Follower(Base):
    """A citizen who follows a ticket they did not report (e.g. their duplicate was merged into it)."""

    __tablename__ = "ticket_followers"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), primary_key=True)
    created_at: Mapped[datetime]


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # photo, voice, video, document, location
    role: Mapped[str] = mapped_column(String(12))  # report, progress, proof
    platform: Mapped[str] = mapped_column(String(12))
    platform_ref: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str | None] = mapped_column(String(64))
    mime: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    stored_path: Mapped[str | None] = mapped_column(String(300))
    # A copy citizens' WhatsApp accepts (JPEG within 5 MB) when the original does not fit; the original stays.
    citizen_path: Mapped[str | None] = mapped_column(String(300))
    caption: Mapped[str] = mapped_column(Text, default="")
    fetch_error: Mapped[str | None] = mapped_column(String(300))
    added_by_kind: Mapped[str] = mapped_column(String(10))
    added_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class TicketEvent(Base):
    """The audit trail: one row per action taken on a ticket, written with the change itself."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    action: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_ticket_events_ticket", "ticket_id", "id"),)


class StaffEvent(Base):
    """The staff's audit trail: who added, approved, changed or deactivated whom, written with the change."""

    __tablename__ = "staff_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)  # whom it concerns (known before they are staff)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # None for a declined request
    action: Mapped[str] = mapped_column(String(20))  # add, approve, update, reactivate, withdraw, deactivate, decline
    kecamatan: Mapped[str | None] = mapped_column(String(40))  # where it was decided (None: unknown, older rows)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    data: Mapped[dict[str, Any]]  # name, roles, desa after the change, and `before` when there was one
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_staff_events_person", "telegram_id", "id"),)


class InboxUpdate(Base):
    """A raw update from a platform, stored before it is acknowledged; processed exactly once."""

    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(12))
    external_id: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str] = mapped_column(String(64), default="")
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_inbox_platform_external_id"),
        Index("ix_inbox_pending", "platform", "processed_at", "id"),
    )


class OutboxMessage(Base):
    """Something a person must be told, written in the same transaction as the change that causes it.

    Channel-neutral: `kind` and `data` say what happened; each bot renders its own channel's rows.
    """

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(12))  # whatsapp, telegram
    recipient: Mapped[str] = mapped_column(String(64))  # citizen:12, chat:desk, chat:field, staff:3
    kecamatan: Mapped[str] = mapped_column(String(40))  # whose number or chats it goes out on
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]  # set while a dispatcher holds the row (its lease ends at next_attempt_at)
    sent_at: Mapped[datetime | None]
    # Given up on: it failed for good and so did its fallbacks; kept for the record, the desk was told.
    set_aside_at: Mapped[datetime | None]
    failure_reason: Mapped[str | None] = mapped_column(String(32))  # the last failure in a word (core.outbox.Failure)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_outbox_due", "channel", "sent_at", "next_attempt_at"),)


class HeldReport(Base):
    """A finished report kept over the citizen's daily limit, filed as a ticket when the limit allows.

    It lives apart from the conversation, so draft expiry never sees it and the citizen can go on
    using the bot while it waits; `ticket_id` is set in the transaction that files it.
    """

    __tablename__ = "held_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    kecamatan: Mapped[str] = mapped_column(String(40))
    report: Mapped[dict[str, Any]]
    source_ref: Mapped[str | None] = mapped_column(String(200), unique=True)
    held_at: Mapped[datetime]
    filed_at: Mapped[datetime | None]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    released_by: Mapped[str] = mapped_column(String(100), default="")  # who filed it early; "" = the scheduler

    __table_args__ = (Index("ix_held_reports_waiting", "filed_at", "held_at"),
                      Index("ix_held_reports_citizen", "citizen_id", "filed_at"))


class Conversation(Base):
    """A citizen's place in the WhatsApp conversation with one kecamatan's number: the step and the
    unfinished draft report (a citizen writing to two kecamatan has two)."""

    __tablename__ = "conversations"
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), primary_key=True)
    kecamatan: Mapped[str] = mapped_column(String(40), primary_key=True)
    step: Mapped[str] = mapped_column(String(32), default="idle")
    draft: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(index=True)


class SentMessage(Base):
    """A message a platform accepted from us (WhatsApp wamid, Telegram message id) and its delivery state."""

    __tablename__ = "sent_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    channel: Mapped[str] = mapped_column(String(12))
    external_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent, delivered, read, failed
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_sent_messages_channel_external_id"),)


class TelegramCard(Base):
    """The one message that shows a ticket in a Telegram chat, edited in place as the ticket changes."""

    __tablename__ = "telegram_cards"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(12))  # desk, field, camat
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("ticket_id", "chat_id", name="uq_telegram_cards_ticket_id_chat_id"),
        Index("ix_telegram_cards_message", "chat_id", "message_id"),
    )


class ChatBinding(Base):
    """Where a Telegram chat named in the profile lives now (groups change id on becoming supergroups)."""

    __tablename__ = "chat_bindings"
    configured_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    current_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class JobRun(Base):
    """A scheduled job's run that must happen once (e.g. `digest:2026-11-27`), across instances."""

    __tablename__ = "job_runs"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    ran_at: Mapped[datetime]
    detail: Mapped[dict[str, Any]]


class TelegramPacing(Base):
    """What the replicas posting as one bot share of Telegram's limits: a group's posts in the last minute, a
    person's next free second, the bot's calls in the last second (officer_bot/shared_pacing.py)."""

    __tablename__ = "telegram_pacing"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<bot line>:<chat id>", "<bot line>:bot"
    # a group: ISO times of its posts, oldest first; a person: the reserved start; the bot: its calls' times
    posts: Mapped[list[str]]


class TelegramPrompt(Base):
    """A bot message in Telegram waiting for a staff member's reply (a reason, a question, proof) or a tap."""

    __tablename__ = "telegram_prompts"
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))  # reject, question, duplicate, forward, resolve, progress, ...
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    user_id: Mapped[int] = mapped_column(BigInteger)  # the Telegram user it waits for
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_telegram_prompts_message", "chat_id", "message_id"),)


# The deadline scan (core/deadline_scan.py), per kecamatan: levels 0 and 1 with a deadline before now,
# without reading the open tickets already escalated, nor another kecamatan's. Declared here so
# autogenerate keeps it.
Index("ix_tickets_escalation_due", Ticket.kecamatan, Ticket.escalation_level, Ticket.stage_deadline_at)

# One open registration request per person: a second /daftar (even on another replica, at the same
# moment) fails on this index instead of posting another request to the desk.
_OPEN_REGISTRATION = (TelegramPrompt.kind == "registration") & TelegramPrompt.closed_at.is_(None)
Index("uq_telegram_prompts_open_registration", TelegramPrompt.user_id, unique=True,
      sqlite_where=_OPEN_REGISTRATION, postgresql_where=_OPEN_REGISTRATION)


class ConsoleLink(Base):
    """A one-time sign-in link to the web console, sent to one staff member (only its token's hash is kept)."""

    __tablename__ = "console_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ConsoleSession(Base):
    """A signed-in browser of the web console: the cookie's token hash, its staff member, its clocks."""

    __tablename__ = "console_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # the longest a session lives, however busy
    last_seen_at: Mapped[datetime]  # an idle session ends a while after this
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_console_sessions_staff", "staff_id"),)


class Open311Key(Base):
    """A key that may post Open311 reports, made and revoked by an admin (only its SHA-256 is kept)."""

    __tablename__ = "open311_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))  # who holds it (the outside system or its owner)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    per_minute: Mapped[int] = mapped_column(Integer, default=30)  # the most POSTs it may make in a minute
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Open311Rate(Base):
    """How many POSTs a key made in one minute, counted by every replica (open311/keys.py)."""

    __tablename__ = "open311_rate"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    posts: Mapped[int] = mapped_column(Integer)


# servicerequestupdates reads the public steps of a period by when they happened, across tickets.
Index("ix_ticket_events_created", TicketEvent.created_at)


def escalation_of(stage: str) -> ColumnElement[bool]:
    """The events that escalated `stage` of their case (the figures' "not on time")."""
    return and_(TicketEvent.action == "escalate", TicketEvent.data["stage"].as_string() == stage)


# Whether a case's stage was escalated is one probe of a small index of that stage's escalations (never a read
# of the case's events), when the query writes `escalation_of(stage)` out as the index does (public/figures.py).
ESCALATED_STAGES = ("verify", "accept", "resolve", "agency")
for _stage in ESCALATED_STAGES:
    Index(f"ix_ticket_events_escalated_{_stage}", TicketEvent.ticket_id,
          sqlite_where=escalation_of(_stage), postgresql_where=escalation_of(_stage))
