"""The browser sandbox: a citizen's WhatsApp beside the staff's Telegram chats, live, on one page."""

from .app import build_sandbox_web
from .controls import SandboxControls, StaffMember

__all__ = ["SandboxControls", "StaffMember", "build_sandbox_web"]
