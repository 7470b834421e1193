"""The citizens' WhatsApp bot (pywa): intake that loses nothing, the report conversation, updates."""

from reporter_bot.bot import ReporterBot

__all__ = ["ReporterBot"]
