"""The Bot API's limits and its error answers, with Telegram's own wording."""

from __future__ import annotations

import re
from typing import Any

TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX = 64
CALLBACK_ANSWER_MAX = 200
ALBUM_MIN, ALBUM_MAX = 2, 10
DOWNLOAD_MAX = 20 * 1024 * 1024
UPLOAD_MAX = 50 * 1024 * 1024
PHOTO_UPLOAD_MAX = 10 * 1024 * 1024
DELETE_WINDOW = 48 * 3600

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
TERMINATED = "terminated by other getUpdates request; make sure that only one bot instance is running"
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code", "description", "parameters"}``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            answer["parameters"] = self.parameters
        return answer


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}", parameters)


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def conflict(detail: str) -> ApiError:
    return ApiError(409, f"Conflict: {detail}")


NOT_FOUND = ApiError(404, "Not Found")
UNAUTHORIZED = ApiError(401, "Unauthorized")


def check_text(text: str) -> None:
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > TEXT_MAX:
        raise bad_request("message is too long")


def check_caption(caption: str | None) -> None:
    if caption is not None and len(caption) > CAPTION_MAX:
        raise bad_request("message caption is too long")


def _check_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    actions = [k for k in button if k != "text"]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_MAX:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
            raise bad_request("BUTTON_URL_INVALID")
    if not button["text"]:
        raise bad_request("BUTTON_TEXT_INVALID")
    return dict(button)


def check_reply_markup(markup: Any, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate a reply_markup object and return it normalized (or None)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        if sum(len(r) for r in rows) > 100:
            raise bad_request("reply markup is too long")
        return {"inline_keyboard": [[_check_button(b) for b in row] for row in rows if row]}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return dict(markup)
