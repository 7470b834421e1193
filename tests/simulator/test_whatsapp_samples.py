"""The simulator's webhooks have the same shape as the samples from Meta's documentation,
and those samples are valid input for a pywa bot (once given the BSUID pywa 4.5 needs)."""

from __future__ import annotations

import copy
import json
import pathlib
from typing import Any

import httpx
import pytest
from pywa_async import WhatsApp
from pywa_async.types import (
    Button,
    CallbackButton,
    CallbackSelection,
    Message,
    MessageStatus,
    Section,
    SectionList,
    SectionRow,
)

from simulator.whatsapp import WhatsAppSimulator, sign
from simulator.whatsapp.webhooks import envelope
from tests.simulator import whatsapp_fixtures
from tests.simulator.whatsapp_fixtures import APP_SECRET, TestBot

# pytest fixtures, shared explicitly (no conftest): bot, clock, sim, wa
bot = whatsapp_fixtures.bot
clock = whatsapp_fixtures.clock
sim = whatsapp_fixtures.sim
wa = whatsapp_fixtures.wa

SAMPLES = pathlib.Path(__file__).parents[1] / "fixtures" / "whatsapp"
VALUE = "entry[].changes[].value"
# Documented since the samples were written: business-scoped user ids (BSUID).
BSUID_ADDITIONS = {
    f"{VALUE}.contacts[].user_id",
    f"{VALUE}.contacts",  # status webhooks now carry the recipient's contact
    f"{VALUE}.contacts[].profile",
    f"{VALUE}.contacts[].profile.name",
    f"{VALUE}.contacts[].wa_id",
    f"{VALUE}.statuses[].recipient_user_id",
}


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def key_paths(obj: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON document; list items share one path (``a[].b``)."""
    paths: set[str] = set()
    if isinstance(obj, dict):
        for key, value in obj.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(value, path)
    elif isinstance(obj, list):
        for item in obj:
            paths |= key_paths(item, prefix + "[]")
    return paths


async def generated(sim: WhatsAppSimulator, wa: WhatsApp) -> dict[str, dict[str, Any]]:
    citizen = sim.citizen("081234567890", name="Daeng Ngalle")
    await citizen.sends_text("Lampu jalan mati")
    await citizen.sends_image(b"\xff\xd8\xff", caption="foto")
    await citizen.sends_location(-5.43, 119.53, name="Pasar", address="Jl. Poros")
    await wa.send_message(to=citizen.wa_id, text="Benar?", buttons=[Button("Ya", "y")])
    await citizen.taps("Ya")
    rows = [SectionRow("Sampah", "cat:sampah", description="Sampah menumpuk")]
    await wa.send_message(to=citizen.wa_id, text="Kategori?", buttons=SectionList("Pilih", [Section("K", rows)]))
    await citizen.chooses("Sampah")
    await sim.idle()
    by_kind = {d.kind: d.payload for d in sim.deliveries}
    return {
        "text": by_kind["message:text"],
        "image": by_kind["message:image"],
        "location": by_kind["message:location"],
        "button_reply": next(d.payload for d in sim.deliveries if b"button_reply" in d.body),
        "list_reply": next(d.payload for d in sim.deliveries if b"list_reply" in d.body),
        "status_sent": by_kind["status:sent"],
    }


async def test_generated_payloads_have_the_documented_shape(sim: WhatsAppSimulator, wa: WhatsApp) -> None:
    payloads = await generated(sim, wa)
    for name, payload in payloads.items():
        documented = key_paths(sample(name))
        ours = key_paths(payload)
        assert documented - ours == set(), f"{name}: keys missing from the simulator's payload"
        assert ours - documented <= BSUID_ADDITIONS, f"{name}: undocumented keys {ours - documented}"
        assert payload["object"] == "whatsapp_business_account"
        assert payload["entry"][0]["id"] == sim.waba_id
        assert payload["entry"][0]["changes"][0]["field"] == "messages"


def with_bsuid(document: dict[str, Any], sim: WhatsAppSimulator) -> dict[str, Any]:
    """A docs sample addressed to the simulator's number, with the contact's BSUID added."""
    value = copy.deepcopy(document)["entry"][0]["changes"][0]["value"]
    wa_id = (value.get("contacts") or [{}])[0].get("wa_id") or value["statuses"][0]["recipient_id"]
    value.pop("metadata")
    value["contacts"] = [{**(value.get("contacts") or [{}])[0], "wa_id": wa_id, "user_id": "US.13491208655302741918"}]
    return envelope(sim.account, {k: v for k, v in value.items() if k != "messaging_product"})


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("text", Message),
        ("image", Message),
        ("location", Message),
        ("button_reply", CallbackButton),
        ("list_reply", CallbackSelection),
        ("status_sent", MessageStatus),
    ],
)
async def test_documented_samples_are_valid_bot_input(
    sim: WhatsAppSimulator, bot: TestBot, name: str, expected: type
) -> None:
    body = json.dumps(with_bsuid(sample(name), sim)).encode()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bot.app)) as client:
        response = await client.post(
            sim.webhook_url, content=body, headers={"X-Hub-Signature-256": sign(body, APP_SECRET)}
        )
    assert response.status_code == 200
    update = await bot.wait_for(lambda u: True, timeout=1)
    assert type(update) is expected
