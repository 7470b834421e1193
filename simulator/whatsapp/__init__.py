"""Local WhatsApp Cloud API simulator (Graph API + simulated citizens + signed webhooks)."""

from .citizen import Citizen, NotOfferedError, normalise_phone
from .received import ListRow, Received, ReplyButton
from .rules import GraphError
from .simulator import TranscriptEntry, WebhookFaults, WhatsAppSimulator
from .webhooks import Delivery, sign

__all__ = [
    "Citizen",
    "Delivery",
    "GraphError",
    "ListRow",
    "NotOfferedError",
    "Received",
    "ReplyButton",
    "TranscriptEntry",
    "WebhookFaults",
    "WhatsAppSimulator",
    "normalise_phone",
    "sign",
]
