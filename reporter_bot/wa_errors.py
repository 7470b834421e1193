"""WhatsApp's refusals sorted once: final for this message (`Permanent`) or worth waiting out (`RetryLater`).

From Meta's Cloud API error codes. Final: the message itself is wrong for WhatsApp (its parameters, its
media, its type) or its recipient cannot get it. Everything else is waited out: rate limits
(130429, 131056, 80007, ...), outages (1, 2, 131000, 131016, 5xx) and account-wide problems
(tokens, payment, a locked account, a missing template) that the office fixes once for every row,
and codes we do not know; the stuck-row sweep tells the desk if such a wait runs long.
"""

from __future__ import annotations

from pywa.errors import ThrottlingError, WhatsAppError

from core import metrics
from core.outbox import Failure, Permanent, RetryLater

F = Failure
FINAL: dict[int, Failure] = {
    100: F.REFUSED,  # Graph's "Invalid parameter" (pywa has no class for it); see `classify` for its other use
    131008: F.REFUSED,  # required parameter missing
    131009: F.REFUSED,  # parameter value not valid
    131051: F.REFUSED,  # unsupported message type
    131052: F.MEDIA,  # media download error
    131053: F.MEDIA,  # media upload error (too large, a type WhatsApp does not take)
    131026: F.UNDELIVERABLE,  # not on WhatsApp, terms not accepted, an app too old for this message
    131021: F.UNDELIVERABLE,  # recipient is the sender
    131030: F.UNDELIVERABLE,  # not in the test number's allowed list
    131050: F.UNDELIVERABLE,  # the user stopped marketing messages
    130472: F.UNDELIVERABLE,  # the user is in Meta's experiment group
    131062: F.UNDELIVERABLE,  # business-scoped user id not supported here
    132005: F.REFUSED,  # template text too long once filled in
    132007: F.REFUSED,  # template content policy
    132008: F.REFUSED,  # template parameter value invalid
    132012: F.REFUSED,  # template parameter format mismatch
}
# The office's template setup is wrong (missing, not approved in this language, paused, disabled):
# fixing it lets every waiting row through, so these are waited out, with the desk told.
TEMPLATE_SETUP = frozenset({132000, 132001, 132015, 132016})
_SIZE_WORDS = ("too large", "too big", "size")


def classify(exc: WhatsAppError, doing: str) -> RetryLater | Permanent:
    """What `exc` (raised while `doing` something) means for the row."""
    metrics.platform_error("whatsapp", exc.code)
    detail = f"{doing}: whatsapp error {exc.code}: {exc.message}" + (f" ({exc.details})" if exc.details else "")
    final = FINAL.get(exc.code)
    if exc.code == 100 and exc.subcode is not None:
        final = None  # "object does not exist" (a wrong phone number id): setup, not this message
    if exc.code in TEMPLATE_SETUP:
        return RetryLater(detail, failure=F.TEMPLATE)
    if final is None or exc.is_transient:
        return RetryLater(detail, failure=F.RATE_LIMITED if isinstance(exc, ThrottlingError) else F.PLATFORM)
    if final is F.MEDIA and any(word in (exc.details or "").lower() for word in _SIZE_WORDS):
        final = F.MEDIA_TOO_LARGE
    return Permanent(final, detail)
