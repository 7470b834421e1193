"""Validation of the message objects a business sends (``POST /{phone_id}/messages``)."""

from __future__ import annotations

from typing import Any

from . import rules
from .rules import GraphError, invalid_parameter, missing_parameter, param_not_valid

MESSAGE_TYPES = frozenset(
    {
        "text",
        "interactive",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "contacts",
        "template",
        "reaction",
    }
)
MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
CAPTIONED = frozenset({"image", "video", "document"})


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise invalid_parameter(f"Param {what} must be a string.")
    return value


def _max_len(value: str, limit: int, what: str, *, code_100: bool = False) -> None:
    if len(value) > limit:
        details = f"Param {what} must be at most {limit} characters long."
        raise invalid_parameter(details) if code_100 else param_not_valid(details)


def _title(value: Any, limit: int, what: str) -> str:
    title = _text(value, what)
    if not 1 <= len(title) <= limit:
        raise param_not_valid(f"{what} length invalid. Min length: 1, Max length: {limit}")
    return title


def validate_message(payload: dict[str, Any]) -> str:
    """Check a send-message request body; return its message type or raise :class:`GraphError`."""
    if payload.get("messaging_product") != "whatsapp":
        raise invalid_parameter("The parameter messaging_product is required and must be 'whatsapp'.")
    typ = str(payload.get("type", "text"))
    if typ not in MESSAGE_TYPES:
        raise invalid_parameter(f"Param type must be one of {sorted(MESSAGE_TYPES)}, got {typ!r}.")
    content = payload.get(typ)
    if not isinstance(content, dict):
        raise missing_parameter(f"The parameter {typ} is required.")
    if typ == "text":
        body = _text(content.get("body"), "text['body']")
        if not body:
            raise missing_parameter("The parameter text['body'] is required.")
        _max_len(body, rules.TEXT_MAX, "text['body']", code_100=True)
    elif typ == "interactive":
        _validate_interactive(content)
    elif typ in MEDIA_TYPES:
        _validate_media(typ, content)
    elif typ == "location":
        for key in ("latitude", "longitude"):
            if key not in content:
                raise missing_parameter(f"The parameter location['{key}'] is required.")
    elif typ == "template":
        if not content.get("name") or not isinstance(content.get("language"), dict):
            raise missing_parameter("The parameters template['name'] and template['language'] are required.")
    elif typ == "reaction":
        if not content.get("message_id"):
            raise missing_parameter("The parameter reaction['message_id'] is required.")
    elif typ == "contacts" and not isinstance(payload.get("contacts"), list):
        raise invalid_parameter("Param contacts must be an array.")
    return typ


def _validate_media(typ: str, content: dict[str, Any]) -> None:
    if ("id" in content) == ("link" in content):
        raise invalid_parameter(f"Exactly one of {typ}['id'] or {typ}['link'] is required.")
    caption = content.get("caption")
    if caption is not None:
        if typ not in CAPTIONED:
            raise invalid_parameter(f"Param {typ}['caption'] is not supported for {typ} messages.")
        _max_len(_text(caption, f"{typ}['caption']"), rules.CAPTION_MAX, f"{typ}['caption']", code_100=True)


def _validate_interactive(content: dict[str, Any]) -> None:
    kind = content.get("type")
    action = content.get("action")
    if not isinstance(action, dict):
        raise missing_parameter("The parameter interactive['action'] is required.")
    body = content.get("body")
    if body is not None:
        text = _text(body.get("text") if isinstance(body, dict) else None, "interactive['body']['text']")
        _max_len(text, rules.INTERACTIVE_BODY_MAX, "interactive['body']['text']")
    elif kind in ("button", "list", "location_request_message", "cta_url"):
        raise missing_parameter("The parameter interactive['body'] is required.")
    header = content.get("header")
    if isinstance(header, dict) and header.get("type") == "text":
        _max_len(_text(header.get("text"), "header text"), rules.HEADER_TEXT_MAX, "interactive['header']['text']")
    footer = content.get("footer")
    if isinstance(footer, dict):
        _max_len(_text(footer.get("text"), "footer text"), rules.FOOTER_MAX, "interactive['footer']['text']")
    if kind == "button":
        _validate_buttons(action)
    elif kind == "list":
        _validate_list(action)
    elif kind == "location_request_message":
        if action.get("name") != "send_location":
            raise param_not_valid("interactive['action']['name'] must be 'send_location'.")
    elif kind not in ("cta_url", "flow", "voice_call", "call_permission_request", "product", "product_list"):
        raise invalid_parameter(f"Param interactive['type'] is not valid: {kind!r}")


def _validate_buttons(action: dict[str, Any]) -> None:
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise missing_parameter("The parameter interactive['action']['buttons'] is required.")
    if len(buttons) > rules.REPLY_BUTTONS_MAX:
        raise param_not_valid(f"buttons: Too many elements. Max: {rules.REPLY_BUTTONS_MAX}")
    seen: set[str] = set()
    for button in buttons:
        reply = button.get("reply") if isinstance(button, dict) else None
        if not isinstance(reply, dict) or button.get("type") != "reply":
            raise invalid_parameter("Each button must be of type 'reply' with a 'reply' object.")
        button_id = _text(reply.get("id"), "button id")
        if not 1 <= len(button_id) <= rules.REPLY_BUTTON_ID_MAX:
            raise param_not_valid(f"Button id length invalid. Min length: 1, Max length: {rules.REPLY_BUTTON_ID_MAX}")
        if button_id in seen:
            raise param_not_valid(f"Duplicate button id: {button_id!r}. Button ids must be unique.")
        seen.add(button_id)
        _title(reply.get("title"), rules.REPLY_BUTTON_TITLE_MAX, "Button title")


def _validate_list(action: dict[str, Any]) -> None:
    _title(action.get("button"), rules.LIST_BUTTON_MAX, "List button")
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        raise missing_parameter("The parameter interactive['action']['sections'] is required.")
    if len(sections) > rules.LIST_SECTIONS_MAX:
        raise param_not_valid(f"sections: Too many elements. Max: {rules.LIST_SECTIONS_MAX}")
    rows_total = 0
    seen: set[str] = set()
    for section in sections:
        if not isinstance(section, dict):
            raise invalid_parameter("Each section must be an object.")
        title = section.get("title")
        if title is not None or len(sections) > 1:
            _title(title, rules.LIST_SECTION_TITLE_MAX, "Section title")
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise missing_parameter("Each section must have at least one row.")
        rows_total += len(rows)
        if rows_total > rules.LIST_ROWS_MAX:
            raise param_not_valid(f"rows: Too many elements. Max: {rules.LIST_ROWS_MAX} rows in total")
        for row in rows:
            row_id = _text(row.get("id"), "row id")
            if not 1 <= len(row_id) <= rules.LIST_ROW_ID_MAX:
                raise param_not_valid(f"Row id length invalid. Min length: 1, Max length: {rules.LIST_ROW_ID_MAX}")
            if row_id in seen:
                raise param_not_valid(f"Duplicate row id: {row_id!r}. Row ids must be unique.")
            seen.add(row_id)
            _title(row.get("title"), rules.LIST_ROW_TITLE_MAX, "Row title")
            description = row.get("description")
            if description is not None:
                _max_len(_text(description, "row description"), rules.LIST_ROW_DESCRIPTION_MAX, "Row description")


def template_param_count(template: dict[str, Any]) -> int:
    """Number of parameters a template send fills in (body parameters)."""
    count = 0
    for component in template.get("components") or ():
        if isinstance(component, dict) and str(component.get("type", "")).lower() == "body":
            count += len(component.get("parameters") or ())
    return count


__all__ = ["GraphError", "template_param_count", "validate_message"]
