"""Telegram update handlers: parse the update, call a core use case, render the answer."""
