"""The SLA scheduler: deadline scan, reminders and escalation, digests, auto-close, draft expiry, outbox sweep."""

from scheduler.jobs import (
    ScanResult,
    auto_close,
    expire_drafts,
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
    "run_scheduler",
    "scan_deadlines",
    "send_daily_digest",
    "send_weekly_summary",
    "sweep_outbox",
]
