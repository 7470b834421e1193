"""Graph API operations on the simulator's state: send, mark read, media upload/lookup/delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import rules
from .received import from_payload
from .validation import MEDIA_TYPES, template_param_count, validate_message

if TYPE_CHECKING:
    from .citizen import Citizen
    from .simulator import WhatsAppSimulator


def send(sim: WhatsAppSimulator, payload: dict[str, Any], phone_id: str | None = None) -> dict[str, Any]:
    """``POST /{phone_id}/messages``: a message, or a read receipt / typing indicator, from that number."""
    business = sim.phone_id if phone_id is None else phone_id
    if not isinstance(payload, dict):
        raise rules.invalid_parameter("The request body must be a JSON object.")
    if "status" in payload:
        return _mark_read(sim, payload, business)
    injected = sim.take_injected_failure()
    if injected is not None:
        raise injected
    typ = validate_message(payload)
    sim.check_throughput(business)
    citizen, contact = _recipient(sim, payload, business)
    now = sim.clock()
    category = "service"
    if typ == "template":
        _check_template(sim, payload["template"])
        category = "utility"
    elif not citizen.in_service_window(now):
        raise rules.re_engagement()
    if typ in MEDIA_TYPES and "id" in payload[typ]:
        sim.media.check_media_kind(str(payload[typ]["id"]), typ, phone_id=business)
    wamid = sim.new_wamid(citizen.wa_id)
    received = from_payload(wamid, payload, now, sim.media.get)
    sim.outgoing[wamid] = (citizen, received)
    citizen._receive(received)
    if sim.status_webhooks:
        sim.spawn(sim.send_statuses(citizen, wamid, category))
    message: dict[str, Any] = {"id": wamid}
    if typ == "template":
        message["message_status"] = "accepted"
    return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}


def _recipient(sim: WhatsAppSimulator, payload: dict[str, Any], business: str) -> tuple[Citizen, dict[str, str]]:
    if payload.get("recipient_type", "individual") != "individual":
        raise rules.invalid_parameter("Only recipient_type 'individual' is supported by this number.")
    if payload.get("to"):
        raw = str(payload["to"])
        try:
            citizen = sim.citizen(raw if raw.startswith(("+", "0")) else "+" + raw, business=business)
        except ValueError:
            raise rules.invalid_parameter(f"Param to is not a valid phone number: {raw!r}") from None
        return citizen, {"input": raw, "wa_id": citizen.wa_id}
    if payload.get("recipient"):
        user_id = str(payload["recipient"])
        found = sim.citizen_by_user_id(user_id, business)
        if found is None:
            raise rules.invalid_parameter(f"Param recipient is not a known business-scoped user id: {user_id!r}")
        return found, {"input": user_id, "user_id": user_id}
    raise rules.missing_parameter("The parameter to (or recipient) is required.")


def _check_template(sim: WhatsAppSimulator, template: dict[str, Any]) -> None:
    name = str(template["name"])
    language = str(template["language"].get("code", ""))
    expected = sim.templates.get((name, language))
    if expected is None:
        raise rules.template_not_found(name, language)
    got = template_param_count(template)
    if got != expected:
        raise rules.template_param_mismatch(expected, got)


def _mark_read(sim: WhatsAppSimulator, payload: dict[str, Any], business: str) -> dict[str, Any]:
    if payload.get("messaging_product") != "whatsapp":
        raise rules.invalid_parameter("The parameter messaging_product is required and must be 'whatsapp'.")
    if payload.get("status") != "read":
        raise rules.invalid_parameter("Param status must be 'read'.")
    message_id = payload.get("message_id")
    if message_id not in sim.incoming or sim.incoming[message_id].business != business:
        raise rules.invalid_parameter(f"Param message_id is not a message received by this number: {message_id!r}")
    indicator = payload.get("typing_indicator")
    if indicator is not None and (not isinstance(indicator, dict) or indicator.get("type") != "text"):
        raise rules.invalid_parameter("Param typing_indicator['type'] must be 'text'.")
    citizen = sim.incoming[message_id]
    citizen.read_by_business.add(message_id)
    if indicator is not None:
        citizen.typing_indicators += 1
    sim.changed(citizen)
    return {"success": True}


def upload(
    sim: WhatsAppSimulator, form: dict[str, tuple[str | None, str | None, bytes]], phone_id: str | None = None
) -> dict[str, Any]:
    """``POST /{phone_id}/media`` (multipart: file, type, messaging_product): media owned by that number."""
    if form.get("messaging_product", (None, None, b""))[2] != b"whatsapp":
        raise rules.invalid_parameter("The parameter messaging_product is required and must be 'whatsapp'.")
    if "file" not in form:
        raise rules.invalid_parameter("The parameter file is required.")
    filename, part_type, data = form["file"]
    declared = form.get("type", (None, None, b""))[2].decode() or part_type or ""
    owner = sim.phone_id if phone_id is None else phone_id
    stored = sim.media.put(data, declared, phone_id=owner, filename=filename, by_business=True)
    return {"id": stored.id}


def lookup(sim: WhatsAppSimulator, media_id: str, phone_number_id: str | None = None) -> dict[str, Any]:
    """``GET /{media_id}``: where to download the media, like Meta's answer.

    With ``?phone_number_id=`` the media must belong to that number (Meta's optional check).
    """
    media = sim.media.get(media_id)
    if media is None or (phone_number_id is not None and phone_number_id != media.phone_id):
        raise rules.unknown_object(media_id, "GET")
    return {
        "url": sim.media.download_url(sim.base_url, media),
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.size,
        "id": media.id,
        "messaging_product": "whatsapp",
    }


def delete(sim: WhatsAppSimulator, media_id: str, phone_number_id: str | None) -> dict[str, Any]:
    media = sim.media.get(media_id)
    if media is None or (phone_number_id is not None and phone_number_id != media.phone_id):
        raise rules.unknown_object(media_id, "DELETE")
    sim.media.delete(media_id)
    return {"success": True}


def phone_number(sim: WhatsAppSimulator, phone_id: str | None = None) -> dict[str, Any]:
    """``GET /{phone_id}``: a registered business phone number (the default one if None)."""
    account = sim.accounts[sim.phone_id if phone_id is None else phone_id]
    return {
        "verified_name": "Simulated business",
        "display_phone_number": "+" + account.display_phone_number,
        "id": account.phone_id,
        "quality_rating": "GREEN",
    }
