"""Debian's nginx in front of replicas of `lapor-camat run`, for tests and bench/replicas.py: nginx's
configuration generated into a temporary directory, run as a non-root user on a loopback port, stopped at
the end; each replica a child process, started until ready, killable with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import httpx

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CLI = str(Path(sys.executable).parent / "lapor-camat")
CONFIG = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 20m;
    upstream replicas {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            # a replica that is down or draining: the next one takes the request (a webhook is stored once
            # by the inbox's key, whichever replica gets it)
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Nginx:
    """`async with Nginx([ports]) as proxy:` serves http://127.0.0.1:{proxy.port} over the replicas."""

    def __init__(self, upstream_ports: list[int]) -> None:
        # its own directory: nginx's user must reach it (pytest's are private to ours)
        self.dir, self.port = Path(tempfile.mkdtemp(prefix="lapor-nginx-")), free_port()
        self.upstream = upstream_ports
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Nginx:
        assert os.path.exists(NGINX), "nginx is missing: scripts/ensure-nginx.sh installs Debian's"
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;" for p in self.upstream)
        conf = self.dir / "nginx.conf"
        conf.write_text(CONFIG.format(dir=self.dir, port=self.port, servers=servers))
        command = [NGINX, "-p", str(self.dir), "-c", str(conf), "-g", "daemon off;"]
        if os.geteuid() == 0:  # never as root: the master too runs as an unprivileged user
            os.chmod(self.dir, 0o777)
            command = ["runuser", "-u", "nobody", "--", *command]
        self.proc = await asyncio.create_subprocess_exec(*command, stderr=asyncio.subprocess.PIPE)
        async with asyncio.timeout(10):
            while True:  # nginx offers no readiness signal but its port
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.close()
                    return self
                except OSError:
                    assert self.proc.returncode is None, await self._errors()
                    await asyncio.sleep(0.05)

    async def _errors(self) -> str:
        assert self.proc is not None and self.proc.stderr is not None
        log = self.dir / "error.log"
        return (await self.proc.stderr.read()).decode() + (log.read_text() if log.exists() else "")

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Replica:
    """One `lapor-camat run` child process (every part), killable and restartable."""

    def __init__(self, n: int, tmp: Path, env: dict[str, str], args: tuple[str, ...] = ("run",)) -> None:
        self.n, self.tmp, self.port, self.runs, self.args = n, tmp, free_port(), 0, args
        self.env = {**env, "HTTP_PORT": str(self.port), "REPLICA_NAME": f"replica-{n}"}
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def log(self) -> Path:
        return self.tmp / f"replica-{self.n}-{self.runs}.log"

    async def start(self) -> None:
        self.runs += 1
        with open(self.log, "wb") as log:
            self.proc = await asyncio.create_subprocess_exec(CLI, *self.args, cwd=self.tmp, env=self.env,
                                                             stdout=log, stderr=log)
        async with httpx.AsyncClient() as client, asyncio.timeout(60):
            while True:  # readiness is the signal the proxy would use too
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                assert self.proc.returncode is None, self.log.read_text()
                await asyncio.sleep(0.1)

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no draining, nothing released but what the kernel and PostgreSQL do
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 30)
