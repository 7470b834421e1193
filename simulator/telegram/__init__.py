"""A local Telegram Bot API for tests and the demo: the real python-telegram-bot talks to it unmodified.

sim = TelegramSimulator(token="123:ABC", bot_username="LaporCamatBot")
desk = sim.group("Desk Pattallassang", chat_id=-1001)
alice = sim.user("Alice", user_id=1001, username="alice")
await alice.sends(desk, "/ringkasan")
answer = await alice.taps(message, "Terima")
"""

from .bots import SeveralBots
from .people import CallbackAnswer, PendingCallback, SimulationError, SimUser
from .ratelimit import FakeClock
from .rules import ApiError
from .simulator import TelegramSimulator
from .world import Button, SimChat, SimFile, SimMessage

__all__ = [
    "ApiError",
    "Button",
    "CallbackAnswer",
    "FakeClock",
    "PendingCallback",
    "SeveralBots",
    "SimChat",
    "SimFile",
    "SimMessage",
    "SimUser",
    "SimulationError",
    "TelegramSimulator",
]
