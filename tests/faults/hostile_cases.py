"""The hostile-input corpus, as data: what arrives, and the clear answer it must get.

`RAW` are HTTP requests to the WhatsApp webhook route (headers and bodies a client forges);
`CITIZEN` are validly signed message webhooks the simulator delivers from a fresh citizen, each
answered with a message containing `reply`; `TAPS` and `COMMANDS` come from Telegram users. In
`data` and `text`, `{tid}` is a received ticket, `{vid}` a verified one, `{gone}` a deleted one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PHONE_ID = "106540352242922"  # tests.reporter.conftest.PHONE_ID
UNSUPPORTED = "jenis pesan ini belum bisa kami proses"
LOCATION_ASK = "Di mana lokasinya?"
OLD_BUTTON = "Tombol itu sudah tidak berlaku"
NOT_FOUND = "Laporan tidak ditemukan."
FAILED = "ada gangguan saat memproses pesan Anda"


@dataclass(frozen=True)
class RawCase:
    name: str
    body: bytes
    signature: str = "good"  # good | missing | wrong | other_secret | sha1
    status: int = 200
    stored: bool = False  # whether it must land in the inbox
    reason: str = ""  # set: it cannot be read, and is kept (processed) with a reason naming this


@dataclass(frozen=True)
class CitizenCase:
    name: str
    message: dict[str, Any]
    reply: str


@dataclass(frozen=True)
class TapCase:
    name: str
    who: str  # verifier | officer | stranger | camat
    data: str
    answer: str


@dataclass(frozen=True)
class CommandCase:
    name: str
    who: str
    chat: str  # desk | field | private
    text: str
    reply: str


def envelope(messages: list[dict[str, Any]], phone_id: str = PHONE_ID, **value: Any) -> bytes:
    change = {"value": {"messaging_product": "whatsapp",
                        "metadata": {"display_phone_number": "6241100000001", "phone_number_id": phone_id},
                        "contacts": [{"profile": {"name": "X"}, "wa_id": "6281299990000", "user_id": "ID.1"}],
                        "messages": messages, **value}, "field": "messages"}
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}).encode()


def text_message(body: str, wamid: str = "wamid.raw-1", sender: str = "6281299990000") -> dict[str, Any]:
    return {"from": sender, "id": wamid, "timestamp": "1790000000", "type": "text", "text": {"body": body}}


def _media(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, kind: {"id": "1999999999999", "mime_type": "image/jpeg", "sha256": "00", **extra}}


def _tap(choice: str, title: str = "Tombol") -> dict[str, Any]:
    return {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": choice,
                                                                                           "title": title}}}


def _body(**top: Any) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", **top}).encode()


def _value(**value: Any) -> bytes:
    return _body(entry=[{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_ID}, **value}}]}])


SECRET_TEXT = "RAHASIA-ISI-WARGA"  # inside the bodies below: never in a log line
# Signed bodies that cannot be read, of every size, shape and depth: each answered 200 (Meta retries
# anything else for days), kept with its reason, counted in /metrics, and no worker hurt.
UNREADABLE = [
    RawCase("nested deeper than json reads", b'{"entry": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", stored=True,
            reason="nested too deeply"),
    RawCase("not UTF-8", b'{"entry": [], "text": "' + SECRET_TEXT.encode() + b' \xff\xfe"}', stored=True,
            reason="UTF-8"),
    RawCase("a number of 5,000 digits", b'{"entry": [{"id": ' + b"9" * 5_000 + b"}]}", stored=True,
            reason="not JSON"),
    RawCase("four megabytes and more", _body(entry=[], text=SECRET_TEXT + " " * 4_500_000), stored=True,
            reason="too large"),
    RawCase("entry is an object", _body(entry={"id": "1"}), stored=True, reason="entry"),
    RawCase("an entry that is a number", _body(entry=[1]), stored=True, reason="entry"),
    RawCase("changes that are a string", _body(entry=[{"id": "1", "changes": "messages"}]), stored=True,
            reason="changes"),
    RawCase("a value that is a list", _body(entry=[{"changes": [{"field": "messages", "value": [1]}]}]),
            stored=True, reason="value"),
    RawCase("messages that are an object", _value(messages={"id": "wamid.x"}), stored=True, reason="messages"),
    RawCase("a message that is a string", _value(messages=[SECRET_TEXT]), stored=True, reason="message"),
    RawCase("a message id that is an object", _value(messages=[{**text_message(SECRET_TEXT), "id": {"a": 1}}]),
            stored=True, reason="id"),
    RawCase("a message id of 1,000 characters", _value(messages=[text_message("halo", "wamid." + "A" * 1000)]),
            stored=True, reason="id"),
    RawCase("a message id with a lone surrogate", _value(messages=[text_message("halo", "wamid.\ud83d")]),
            stored=True, reason="id"),
    RawCase("a sender that is a list", _value(messages=[{**text_message("halo", "wamid.list-from"), "from": [1]}]),
            stored=True, reason="sender"),
    RawCase("a sender of 100 digits", _value(messages=[text_message("halo", "wamid.long-from", "6" * 100)]),
            stored=True, reason="sender"),
    RawCase("statuses that are a number", _value(statuses=5), stored=True, reason="statuses"),
    RawCase("a status without id", _value(statuses=[{"status": "read", "recipient_id": "6281299990000"}]),
            stored=True, reason="status"),
]
# Signed bodies that can be read but hold odd parts: stored and processed without an error.
ODD = [
    RawCase("status errors of the wrong types", _value(statuses=[{
        "id": "wamid.odd-errors", "status": "failed", "timestamp": "1790000000", "recipient_id": "6281299990000",
        "errors": ["x", 5, {"code": {"a": 1}, "title": ["?"]}]}]), stored=True),
    RawCase("status with a lone surrogate in its error title", _value(statuses=[{
        "id": "wamid.odd-title", "status": "failed", "timestamp": "1790000000", "recipient_id": "6281299990000",
        "errors": [{"code": 131026, "title": "Undeliverable \ud83d"}]}]), stored=True),
]

RAW = [
    RawCase("missing signature", envelope([text_message("halo")]), "missing", 401),
    RawCase("wrong signature", envelope([text_message("halo")]), "wrong", 403),
    RawCase("signed with another app's secret", envelope([text_message("halo")]), "other_secret", 403),
    RawCase("sha1 signature", envelope([text_message("halo")]), "sha1", 403),
    RawCase("empty body, signed", b"", stored=True, reason="not JSON"),
    RawCase("malformed JSON, signed", b'{"object": "whatsapp_business_account", "entry": [{', stored=True,
            reason="not JSON"),
    RawCase("JSON array, signed", b"[1, 2, 3]", stored=True, reason="not a JSON object"),
    RawCase("JSON string, signed", b'"halo"', stored=True, reason="not a JSON object"),
    RawCase("entry is null", b'{"object": "whatsapp_business_account", "entry": null}', stored=True,
            reason="entry"),
    RawCase("changes without value", b'{"object": "whatsapp_business_account", "entry": [{"changes": [{}]}]}',
            stored=True, reason="value"),
    RawCase("account update field", b'{"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": '
                                     b'[{"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}]}]}'),
    RawCase("message without id", envelope([{"from": "6281299990000", "type": "text", "text": {"body": "x"}}]),
            stored=True, reason="id"),
    RawCase("another business number's message", envelope([text_message("halo", "wamid.other-phone")],
                                                          phone_id="999999999999")),
    RawCase("one megabyte of signed garbage", b"\x00\xff" * 500_000, stored=True, reason="UTF-8"),
    *UNREADABLE,
    *ODD,
    RawCase("status for a message we never sent", envelope(
        [], statuses=[{"id": "wamid.never-sent", "status": "delivered", "timestamp": "1790000000",
                       "recipient_id": "6281299990000"}]), stored=True),
    RawCase("failed status with errors", envelope(
        [], statuses=[{"id": "wamid.failed", "status": "failed", "timestamp": "1790000000",
                       "recipient_id": "6281299990000", "errors": [{"code": 131026, "title": "Undeliverable"}]}]),
            stored=True),
    RawCase("sender is not a phone number", envelope([text_message("halo", "wamid.bad-from", "not-a-phone")]),
            stored=True),
]

CITIZEN = [
    CitizenCase("unsupported type", {"type": "unsupported", "errors": [{"code": 131051}]}, UNSUPPORTED),
    CitizenCase("a type WhatsApp may add later", {"type": "hologram", "hologram": {"id": "1"}}, UNSUPPORTED),
    CitizenCase("sticker", _media("sticker", mime_type="image/webp", animated=False), UNSUPPORTED),
    CitizenCase("reaction", {"type": "reaction", "reaction": {"message_id": "wamid.x", "emoji": "👍"}}, UNSUPPORTED),
    CitizenCase("contacts card", {"type": "contacts", "contacts": [{"name": {"formatted_name": "A"}}]},
                UNSUPPORTED),
    CitizenCase("order", {"type": "order", "order": {"catalog_id": "1", "product_items": []}}, UNSUPPORTED),
    CitizenCase("system message", {"type": "system", "system": {"body": "changed number"}}, UNSUPPORTED),
    CitizenCase("100 KB text", {"type": "text", "text": {"body": "Jalan rusak. " * 8_000}}, "panjang sekali"),
    CitizenCase("control characters", {"type": "text", "text": {"body": "Lampu\x00 jalan\x07 mati\x1b[31m\x7f"}},
                LOCATION_ASK),
    CitizenCase("RTL and bidi overrides", {"type": "text", "text": {"body": "Lampu jalan mati \u202eطريق\u202c مكسور"}},
                LOCATION_ASK),
    CitizenCase("zero-width and emoji only", {"type": "text", "text": {"body": "\u200b\u200d🔥🔥🔥"}}, ""),
    CitizenCase("SQL-looking text", {"type": "text", "text": {"body": "Lampu jalan'; DROP TABLE tickets; --"}},
                LOCATION_ASK),
    CitizenCase("HTML-looking text", {"type": "text", "text": {"body": "Lampu jalan <b>mati</b><script>x</script>"}},
                LOCATION_ASK),
    CitizenCase("text body is a number", {"type": "text", "text": {"body": 12345}}, ""),
    CitizenCase("text without body", {"type": "text", "text": {}}, ""),
    CitizenCase("location outside Indonesia", {"type": "location", "location": {"latitude": 51.5, "longitude": -0.12}},
                ""),
    CitizenCase("location off the globe", {"type": "location", "location": {"latitude": 999, "longitude": -999}}, ""),
    CitizenCase("location without coordinates", {"type": "location", "location": {"name": "Pasar"}}, ""),
    CitizenCase("location as strings", {"type": "location", "location": {"latitude": "abc", "longitude": "def"}}, ""),
    CitizenCase("timestamp not a number", {"type": "text", "timestamp": "kemarin", "text": {"body": "halo"}}, ""),
    CitizenCase("image whose media id is unknown", _media("image", caption="Sampah"), "gagal kami unduh"),
    CitizenCase("image without media id", {"type": "image", "image": {"mime_type": "image/jpeg"}},
                "gagal kami unduh"),
    CitizenCase("forged button id", _tap("zz:999"), OLD_BUTTON),
    CitizenCase("forged list reply", {"type": "interactive", "interactive": {
        "type": "list_reply", "list_reply": {"id": "cat:no-such-category", "title": "?"}}}, OLD_BUTTON),
    CitizenCase("confirm someone's deleted ticket", _tap("fix:{gone}"), NOT_FOUND),
    CitizenCase("confirm another citizen's ticket", _tap("fix:{tid}"), "bukan milik Anda"),
    CitizenCase("ticket id beyond any database integer", _tap("fix:99999999999999999999"), OLD_BUTTON),
    CitizenCase("rate with stars out of range", _tap("rate:9:{tid}"), ""),
    CitizenCase("cancel another citizen's ticket", _tap("cancel:yes:{tid}"), "bukan milik Anda"),
    CitizenCase("follow a deleted ticket", _tap("near:follow:{gone}"), ""),
    CitizenCase("template quick reply out of nowhere", {"type": "button", "button": {"payload": "reopen",
                                                                                      "text": "Lihat"}}, ""),
    CitizenCase("status of an unknown number", {"type": "text", "text": {"body": "status PTL-999999"}}, ""),
    CitizenCase("cancel an unknown number", {"type": "text", "text": {"body": "batal PTL-999999"}}, ""),
]

TAPS = [
    TapCase("unknown op", "verifier", "zz:{tid}", "tidak dikenal"),
    TapCase("not ours at all", "verifier", "hello world", "tidak dikenal"),
    TapCase("64 bytes of junk", "verifier", "v:" + "9" * 62, "tidak dikenal"),
    TapCase("negative ticket id", "officer", "a:-1", "tidak dikenal"),
    TapCase("ticket id zero", "officer", "a:0", "tidak dikenal"),
    TapCase("too many arguments", "verifier", "v:{tid}:1:2:3", "tidak dikenal"),
    TapCase("deleted ticket", "officer", "a:{gone}", NOT_FOUND),
    TapCase("stranger verifies", "stranger", "v:{tid}", "tidak terdaftar"),
    TapCase("stranger accepts", "stranger", "a:{vid}", "tidak terdaftar"),
    TapCase("officer verifies", "officer", "v:{tid}", "tidak berwenang"),
    TapCase("verifier accepts", "verifier", "a:{vid}", "tidak berwenang"),
    TapCase("forged category index", "verifier", "vc:{tid}:999", "tidak valid"),
    TapCase("forged reason index", "verifier", "rr:{tid}:99", "tidak valid"),
    TapCase("duplicate of itself", "verifier", "dd:{tid}:{tid}", "tidak valid"),
    TapCase("resolve without accepting", "officer", "s:{vid}", ""),
    TapCase("camat reassigns to nobody", "camat", "co:{vid}:999999", ""),
    TapCase("stranger approves a registration", "stranger", "sa:1:0", ""),
]

COMMANDS = [
    CommandCase("/tiket without a number", "verifier", "desk", "/tiket", "PTL-000123"),
    CommandCase("/tiket with junk", "verifier", "desk", "/tiket '; DROP TABLE tickets; --", NOT_FOUND),
    CommandCase("/tiket of an unknown number", "verifier", "desk", "/tiket PTL-999999", NOT_FOUND),
    CommandCase("/tiket by a stranger", "stranger", "desk", "/tiket PTL-000001", "tidak terdaftar"),
    CommandCase("/ringkasan in a group", "stranger", "desk", "/ringkasan", "obrolan pribadi"),
    CommandCase("/ringkasan by a stranger", "stranger", "private", "/ringkasan", "tidak terdaftar"),
    CommandCase("/start with junk", "stranger", "private", "/start <b>x</b>", ""),
    CommandCase("/start p for a deleted ticket", "officer", "private", "/start p{gone}", ""),
    CommandCase("/start p with a huge id", "officer", "private", "/start p99999999999999999", ""),
    CommandCase("/daftar with a huge name", "stranger", "private", "/daftar " + "A" * 5000, ""),
]
