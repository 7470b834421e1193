"""The simulator served by uvicorn on a real socket; the real Application long polls it over TCP."""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from telegram import Update
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.simulator.telegram_fixtures import png, simulator


async def test_application_over_a_real_socket() -> None:
    async def ringkasan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_photo(png(5, 5), caption="Ringkasan hari ini")

    async with simulator() as sim:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)  # connections wait in the backlog until uvicorn accepts them
        port = sock.getsockname()[1]
        sim.base_url = f"http://127.0.0.1:{port}"
        server = uvicorn.Server(uvicorn.Config(sim.app, log_level="warning", lifespan="off", ws="none"))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            app = (
                ApplicationBuilder()
                .token(sim.token)
                .base_url(f"{sim.base_url}/bot")
                .base_file_url(f"{sim.base_url}/file/bot")
                .build()
            )
            app.add_handler(CommandHandler("ringkasan", ringkasan))
            desk = sim.group("Desk Pattallassang", chat_id=-1001)
            alice = sim.user("Alice", user_id=1001)
            async with app:
                await app.start()
                assert app.updater is not None
                await app.updater.start_polling(poll_interval=0, timeout=2)
                try:
                    await alice.sends(desk, "/ringkasan")
                    summary = await desk.wait_for(lambda m: m.from_bot and m.photo is not None)
                    assert summary.caption == "Ringkasan hari ini" and summary.photo_bytes == png(5, 5)
                finally:
                    await app.updater.stop()
                    await app.stop()
        finally:
            server.should_exit = True
            await serving
            sock.close()
