"""The SLA scheduler: deadlines, reminders and escalation, digests, auto-close, drafts, held reports, outbox."""

from scheduler.jobs import (
    ScanResult,
    auto_close,
    expire_drafts,
    expire_kabupaten_drafts,
    file_held_reports,
    scan_deadlines,
    send_daily_digest,
    send_weekly_summary,
    sweep_outbox,
)
from scheduler.service import Scheduler, run_scheduler

__all__ = [
    "ScanResult",
    "Scheduler",
    "auto_close",
    "expire_drafts",
    "expire_kabupaten_drafts",
    "file_held_reports",
    "run_scheduler",
    "scan_deadlines",
    "send_daily_digest",
    "send_weekly_summary",
    "sweep_outbox",
]
