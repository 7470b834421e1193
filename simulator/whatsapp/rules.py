"""Cloud API limits and Meta's error objects.

Every refusal is a :class:`GraphError` whose JSON body and HTTP status are the ones the Graph API
answers with, so pywa raises the same typed exception it would raise against Meta
(``pywa.errors.WhatsAppError.from_dict`` picks the class by ``error.code``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

# Message limits (Cloud API reference: messages, interactive reply buttons, interactive lists).
TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
HEADER_TEXT_MAX = 60
FOOTER_MAX = 60
CAPTION_MAX = 1024
REPLY_BUTTONS_MAX = 3
REPLY_BUTTON_TITLE_MAX = 20
REPLY_BUTTON_ID_MAX = 256
LIST_BUTTON_MAX = 20
LIST_SECTIONS_MAX = 10
LIST_ROWS_MAX = 10
LIST_SECTION_TITLE_MAX = 24
LIST_ROW_ID_MAX = 200
LIST_ROW_TITLE_MAX = 24
LIST_ROW_DESCRIPTION_MAX = 72

MB = 1024 * 1024
# Media size limits by media kind (Cloud API "Supported media types").
MEDIA_MAX_BYTES = {
    "image": 5 * MB,
    "audio": 16 * MB,
    "video": 16 * MB,
    "document": 100 * MB,
    "sticker": 500 * 1024,  # animated; static stickers are limited to 100 KB
}
MEDIA_MIME_TYPES = {
    "image": ("image/jpeg", "image/png"),
    "audio": ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"),
    "video": ("video/3gpp", "video/mp4"),
    "sticker": ("image/webp",),
    "document": (
        "text/plain",
        "application/pdf",
        "application/vnd.ms-powerpoint",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}

CUSTOMER_SERVICE_WINDOW_HOURS = 24


def media_kind(mime_type: str) -> str | None:
    """The media kind (image, audio, ...) of a MIME type Meta accepts, else None."""
    clean = mime_type.split(";")[0].strip().lower()
    for kind, types in MEDIA_MIME_TYPES.items():
        if clean in types:
            return kind
    return None


@dataclass
class GraphError(Exception):
    """A Graph API error answer."""

    code: int
    message: str
    status: int = 400
    details: str | None = None
    type: str = "OAuthException"
    subcode: int | None = None
    whatsapp: bool = True  # Cloud API errors carry error_data.messaging_product

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.whatsapp:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details or self.message}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
        return {"error": error}

    def __str__(self) -> str:
        return f"{self.code} {self.message}: {self.details}"


# ---- the errors the simulator answers with -------------------------------------------------------


def missing_token() -> GraphError:
    return GraphError(104, "An access token is required to request this resource.", 400, whatsapp=False)


def invalid_token() -> GraphError:
    return GraphError(190, "Invalid OAuth access token - Cannot parse access token", 401, whatsapp=False)


def unknown_object(object_id: str, method: str) -> GraphError:
    verb = "get" if method == "GET" else "post" if method == "POST" else method.lower()
    return GraphError(
        100,
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api",
        400,
        type="GraphMethodException",
        subcode=33,
        whatsapp=False,
    )


def unknown_path(path: str) -> GraphError:
    return GraphError(2500, f"Unknown path components: /{path}", 400, whatsapp=False)


def invalid_parameter(details: str) -> GraphError:
    """Graph API parameter validation (code 100)."""
    return GraphError(100, "Invalid parameter", 400, details)


def param_not_valid(details: str) -> GraphError:
    """Cloud API message content validation (code 131009)."""
    return GraphError(131009, "(#131009) Parameter value is not valid", 400, details)


def missing_parameter(details: str) -> GraphError:
    return GraphError(131008, "(#131008) Required parameter is missing", 400, details)


def rate_limited(limit: int) -> GraphError:
    return GraphError(
        130429,
        "(#130429) Rate limit hit",
        400,
        f"Cloud API message throughput has been reached: at most {limit} messages per second for this phone number.",
    )


def re_engagement() -> GraphError:
    return GraphError(
        131047,
        "(#131047) Re-engagement message",
        400,
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    )


def template_not_found(name: str, language: str) -> GraphError:
    return GraphError(
        132001,
        "(#132001) Template name does not exist in the translation",
        404,
        f"template name ({name}) does not exist in {language}",
    )


def template_param_mismatch(expected: int, got: int) -> GraphError:
    return GraphError(
        132000,
        "(#132000) Number of parameters does not match the expected number of params",
        400,
        f"body: number of localizable_params ({got}) does not match the expected number of params ({expected})",
    )


def media_too_large(kind: str, size: int) -> GraphError:
    """Over the kind's limit: Meta's "Media upload error" (131053), the reason in ``error_data.details``."""
    limit = MEDIA_MAX_BYTES[kind]
    return GraphError(
        131053,
        "(#131053) Media upload error",
        400,
        f"Media file size too big: the {kind} is {size} bytes; the maximum size for {kind} is {limit} bytes.",
    )


def unsupported_media_type(mime_type: str) -> GraphError:
    return invalid_parameter(f"Param file must be a file with one of the supported types, got {mime_type}")


def media_not_found(media_id: str) -> GraphError:
    return GraphError(131053, "(#131053) Media upload error", 400, f"Media id {media_id} not found")
