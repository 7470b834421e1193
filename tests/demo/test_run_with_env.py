"""`lapor-camat run` with the simulators' URLs in `.env` is the production path: a citizen gets the menu."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.demo.system import Loopback, base_env, running


async def test_run_reads_dotenv_answers_a_citizen_and_reports_health(loopback: Loopback, tmp_path: Path) -> None:
    settings = loopback.settings(tmp_path / "var")
    (tmp_path / ".env").write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    async with running("run", "--migrate", cwd=tmp_path, env=base_env(tmp_path)) as cli:
        await cli.line("Uvicorn running on")
        citizen = loopback.whatsapp.citizen("0812 7000 0001", name="Daeng Sikki")
        await citizen.sends_text("menu")
        menu = await citizen.wait_for(lambda m: m.kind == "buttons", timeout=15)
        assert "Halo Daeng Sikki" in (menu.text or "") and "Kecamatan Pattallassang" in (menu.text or "")
        assert menu.button_titles == ["Lapor masalah", "Tanya informasi", "Cek status"]

        async with httpx.AsyncClient(base_url=loopback.system_url) as http:
            health = await http.get("/readyz")  # database, schema and parts (/healthz: alive)
            metrics = await http.get("/metrics")
            console = await http.get("/konsol/kasus")  # the console is served by the same process and port
            signin = await http.get("/konsol/masuk")
        assert console.status_code in (302, 303, 307) and console.headers["location"].endswith("/konsol/masuk")
        assert signin.status_code == 200 and "/masuk" in signin.text
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ready" and health.json()["database"] == "ok"
        assert health.json()["parts"] == {"reporter": True, "officer": True, "scheduler": True}
        assert "# TYPE lapor_outbox_pending gauge" in metrics.text
        # the officer bot polls the Telegram simulator named in .env
        assert "getMe" in {call["method"] for call in loopback.telegram.transcript}, loopback.telegram.dump_transcript()

        assert await cli.stop() == 0
    events = [json.loads(line)["event"] for line in cli.lines]  # LOG_FORMAT=json: every line is one JSON object
    assert "part started" in events and events[-1] == "stopped"
    for secret in (settings["WHATSAPP_TOKEN"], settings["WHATSAPP_APP_SECRET"], settings["TELEGRAM_BOT_TOKEN"],
                   citizen.wa_id, citizen.wa_id[2:]):
        assert secret not in cli.output
