"""How the audit trail names who acted, wherever it is shown (Telegram history, the CLI, exports)."""

from __future__ import annotations

from core.db.models import TicketEvent
from core.texts import text


def actor_label(event: TicketEvent, reporter_id: int, locale: str = "id") -> str:
    """Staff and the system by name; a citizen only by their part ("pelapor", "warga"), never by name,
    even on rows written before names left the trail: choosing Anonim or Rahasia must hold on every road."""
    if event.actor_kind == "citizen":
        return text("audit.reporter" if event.actor_id == reporter_id else "audit.citizen", locale)
    return event.actor_name or text(f"audit.{event.actor_kind}", locale)
