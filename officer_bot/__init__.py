"""The officer bot: the desk, the field officers and the camat in Telegram (python-telegram-bot)."""

from officer_bot.bot import OfficerBot

__all__ = ["OfficerBot"]
