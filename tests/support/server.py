"""`scope-bot serve` as a subprocess on a free loopback port, for end-to-end, security and reliability tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.slack_requests import BOT_TOKEN, SIGNING_SECRET, signed_headers

SCOPE_BOT = str(Path(sys.executable).parent / "scope-bot")


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str]
    cwd: Path
    db_url: str

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def request(
        self, path: str, *, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        """(status, headers, body) of one HTTP request; 4xx/5xx are answers, not exceptions."""
        data = body.encode("utf-8") if body is not None else None
        req = urllib.request.Request(
            self.url + path, data=data, headers=headers or {}, method="POST" if data is not None else "GET"
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode("utf-8")

    def slack(self, body: str, content_type: str, **extra_headers: str) -> tuple[int, str]:
        """POST a correctly signed request to /slack/events."""
        status, _, text = self.request(
            "/slack/events", body=body, headers={**signed_headers(body, content_type=content_type), **extra_headers}
        )
        return status, text

    def _children(self) -> list[tuple[int, str]]:
        """(pid, command line) of the master's children."""
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    children.append((int(entry.name), cmdline))
        return sorted(children)

    def workers(self) -> list[int]:
        """Pids of the gunicorn workers (the master's children but the responder)."""
        return [pid for pid, cmdline in self._children() if "'respond'" not in cmdline]

    def responder(self) -> int | None:
        """Pid of the responder process `scope-bot serve` runs beside its workers."""
        return next((pid for pid, cmdline in self._children() if "'respond'" in cmdline), None)

    def run_cli(self, *args: str) -> subprocess.CompletedProcess:
        """Run `scope-bot ARGS` against the server's database and settings."""
        return subprocess.run(
            [SCOPE_BOT, *args], env=self.env, cwd=self.cwd, capture_output=True, text=True, timeout=120
        )

    def cli(self, *args: str) -> Any:
        """Run `scope-bot ARGS --json` against the server's database; the parsed JSON output."""
        result = subprocess.run(
            [SCOPE_BOT, *args, "--json"], env=self.env, cwd=self.cwd, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


RESPONDER_READY = "answering mentions with model"


def wait_for_responder(srv: Server, *, timeout: float = 90.0) -> None:
    """Block until the server's responder, which answers mentions and delivers the outbox, has loaded its model (it
    does so after /healthz answers; on a busy machine a mention's reply would otherwise wait for it)."""
    deadline = time.monotonic() + timeout
    while RESPONDER_READY not in srv.log():
        if srv.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the responder of {srv.url} did not start:\n{srv.log()}")
        time.sleep(0.1)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(*, api_url: str, workdir: Path, model_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process: this one's, minus any Slack or scope-bot settings, plus the test's
    (`SCOPE_BOT_DB=` a database URL, e.g. postgresql://…, instead of the SQLite file in `workdir`)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SCOPE_BOT_"))}
    (workdir / "run").mkdir(exist_ok=True)
    return {
        **inherited,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "SCOPE_BOT_QUOTES_CHANNEL": "C0QUOTES",
        "SCOPE_BOT_DB": str(workdir / "scope-bot.db"),
        "SCOPE_BOT_MODEL_DIR": str(model_dir),
        "SCOPE_BOT_REPORTS_DIR": str(workdir / "reports"),
        "XDG_RUNTIME_DIR": str(workdir / "run"),  # gunicorn's control socket: not in the user's home
        **extra,
    }


def database_url(value: str) -> str:
    """The database URL of a SCOPE_BOT_DB value: a URL as it is (postgresql://…), else an SQLite file's path."""
    return value if "://" in value else f"sqlite:///{value}"


@contextmanager
def running_server(env: dict[str, str], workdir: Path, *, workers: int = 2) -> Iterator[Server]:
    """Start `scope-bot serve`, wait for /healthz, yield it, stop it with SIGTERM (which must exit 0)."""
    port = free_port()
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:  # a file, not a pipe: a full pipe would block the server
        process = subprocess.Popen(
            [SCOPE_BOT, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=workdir,  # no developer .env is picked up
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    srv = Server(
        url=f"http://127.0.0.1:{port}",
        process=process,
        log_path=log_path,
        env=env,
        cwd=workdir,
        db_url=database_url(env["SCOPE_BOT_DB"]),
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise AssertionError(f"scope-bot serve exited with {process.returncode}:\n{srv.log()}")
            try:
                status, _, _ = srv.request("/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"scope-bot serve did not answer /healthz in time:\n{srv.log()}")
            time.sleep(0.2)
        yield srv
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            print(f"scope-bot serve ignored SIGTERM:\n{srv.log()}")
    assert process.returncode == 0, f"scope-bot serve exited with {process.returncode}:\n{srv.log()}"
