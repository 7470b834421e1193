"""`lapor-camat simulator` serves both simulators on loopback for the whole install, and its printed settings
work."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from core.kabupaten import SAMPLE_KABUPATEN, load_kabupaten

CLI = str(Path(sys.executable).parent / "lapor-camat")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_simulator_command_serves_both_apis(tmp_path: Path) -> None:
    wa_port, tg_port = _free_port(), _free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PTB_TIMEDELTA": "true",
           "KABUPATEN_FILE": str(SAMPLE_KABUPATEN)}
    proc = subprocess.Popen([CLI, "simulator", "--whatsapp-port", str(wa_port), "--telegram-port", str(tg_port)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        printed = []
        for line in proc.stdout:  # blocks until the command prints; it prints "Ready" once both listen
            printed.append(line.strip())
            if line.startswith("Ready"):
                break
        settings = dict(line.split("=", 1) for line in printed if "=" in line and not line.startswith("WhatsApp"))
        assert settings["TELEGRAM_API_URL"] == f"http://127.0.0.1:{tg_port}"
        api = f"{settings['TELEGRAM_API_URL']}/bot{settings['TELEGRAM_BOT_TOKEN']}"
        me = httpx.get(f"{api}/getMe").json()
        assert me["ok"] and me["result"]["is_bot"]
        kabupaten = load_kabupaten(SAMPLE_KABUPATEN)
        for profile in kabupaten:  # every kecamatan's groups, not only the first one's
            assert f"{profile.name}: WhatsApp +" in "\n".join(printed)
            desk = httpx.get(f"{api}/getChat", params={"chat_id": profile.telegram.desk_chat_id}).json()
            assert desk["ok"], (profile.code, desk)
        refused = httpx.post(f"{settings['WHATSAPP_API_URL']}/v22.0/{settings['WHATSAPP_PHONE_ID']}/messages",
                             headers={"Authorization": "Bearer wrong"}, json={})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == 190
        check = subprocess.run([CLI, "check-config"], cwd=tmp_path, env=env | settings, capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()
