"""The office's web console (issue 14): sign-in by a one-time link from the bot, then the Kasus list."""

from console.routes import console_routes

__all__ = ["console_routes"]
