"""The HTTP load generator: a timed fake Slack, server processes, signed requests and the client threads."""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import command_body, event_body, mention_event, signed_headers

# The credentials the servers under test get; the fake Slack accepts any.
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"


class TimedFakeSlack(FakeSlack):
    """FakeSlack that also records when each threaded chat.postMessage arrived (perf_counter, this process)."""

    def __init__(self) -> None:
        super().__init__()
        self.reply_at: dict[str, float] = {}
        self.reply_lock = threading.Lock()

    def _handle(
        self, path: str, params: dict[str, Any], *, upload: bytes | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        arrived = time.perf_counter()
        answer = super()._handle(path, params, upload=upload)
        if path.endswith("/chat.postMessage") and params.get("thread_ts"):
            with self.reply_lock:
                self.reply_at.setdefault(str(params["thread_ts"]), arrived)
        return answer

    def wait_replies(self, keys: Sequence[str], timeout: float) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # bounded
            with self.reply_lock:
                if all(k in self.reply_at for k in keys):
                    break
            time.sleep(0.05)
        with self.reply_lock:
            return {k: self.reply_at[k] for k in keys if k in self.reply_at}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log_path: Path
    startup_s: float

    def rss_mib(self) -> float | None:
        """RSS of the gunicorn master plus its workers, from /proc (Linux only)."""
        try:
            pids = [self.proc.pid]
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            pids += [int(p) for p in children]
            total = 0
            for pid in pids:
                status = Path(f"/proc/{pid}/status").read_text()
                total += int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
            return total / 1024
        except (OSError, StopIteration, ValueError):
            return None

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn master: graceful shutdown of its workers
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session, started by us
                self.proc.wait(timeout=10)


def start_server(
    name: str, cmd: list[str], env: dict[str, str], port: int, workdir: Path, timeout: float = 90.0
) -> Server:
    """Start a server process and wait until GET /healthz answers 200."""
    log_path = workdir / f"server-{name}.log"
    started = time.monotonic()
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            cmd, stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=workdir, start_new_session=True
        )
    server = Server(name=name, proc=proc, port=port, log_path=log_path, startup_s=0.0)
    while time.monotonic() - started < timeout:  # bounded
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode} before answering /healthz:\n{server.log_tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                server.startup_s = time.monotonic() - started
                return server
            conn.close()
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not answer /healthz within {timeout:.0f} s:\n{server.log_tail()}")


@dataclass
class LoadResult:
    kind: str
    clients: int
    n: int
    wall_s: float
    latencies_ms: list[float]
    statuses: dict[str, int]
    sent_at: list[float]
    bodies_with_verdict: int
    reply_ms: list[float] = field(default_factory=list)
    replies_expected: int = 0
    done_per_s: float | None = None  # events fully handled (threaded reply arrived) per second

    @property
    def ok(self) -> int:
        return self.statuses.get("200", 0)

    @property
    def per_s(self) -> float:
        return self.n / self.wall_s if self.wall_s else 0.0


# Each client opens a new keep-alive connection after this many requests.
RECONNECT_EVERY = 25


def run_load(
    port: int, kind: str, build: Callable[[int], tuple[str, dict[str, str]]], n: int, clients: int, timeout_s: float
) -> LoadResult:
    """POST `n` requests to /slack/events from `clients` threads, each on a keep-alive connection that it renews
    every RECONNECT_EVERY requests."""
    results: list[tuple[float, float, str, bytes] | None] = [None] * n
    counter = itertools.count()
    lock = threading.Lock()
    deadline = time.perf_counter() + timeout_s

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        sent = 0
        while True:
            with lock:
                i = next(counter)
            if i >= n or time.perf_counter() > deadline:
                break
            body, headers = build(i)  # signs with the current timestamp; not timed
            payload = body.encode()
            sent += 1
            if sent % RECONNECT_EVERY == 0:
                # Which worker accepts a connection is chance: with four connections for the whole run, one
                # worker often got three or all four, and a server's figure varied twofold between rounds.
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.connect()  # not timed, as with a connection kept alive
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", body=payload, headers=headers)
                response = conn.getresponse()
                data, status = response.read(), str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                data, status = b"", type(exc).__name__
            results[i] = (t0, (time.perf_counter() - t0) * 1000, status, data)
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=timeout_s + 60)
    wall = time.perf_counter() - started
    done = [r for r in results if r is not None]
    statuses: dict[str, int] = {}
    for r in done:
        statuses[r[2]] = statuses.get(r[2], 0) + 1
    return LoadResult(
        kind=kind,
        clients=clients,
        n=len(done),
        wall_s=wall,
        latencies_ms=[r[1] for r in done],
        statuses=statuses,
        sent_at=[r[0] if r else float("nan") for r in results],
        bodies_with_verdict=sum(1 for r in done if r[2] == "200" and b'"blocks"' in r[3]),
    )


class RequestFactory:
    """Signed app_mention events (distinct event_id and ts) and /scope commands over the dev-set texts; `fake` gives
    the response_urls (a FakeSlack, or the benchmark's RemoteFakeSlack). Requests number from `first` + 1: factories
    that share one fake Slack need blocks of their own, or one server's replies would count as another's."""

    def __init__(self, texts: Sequence[str], fake: Any, prefix: str, first: int = 0):
        self.texts = list(texts)
        self.fake = fake
        self.prefix = prefix
        self._seq = itertools.count(first + 1)
        self._lock = threading.Lock()

    def _next(self) -> int:
        with self._lock:
            return next(self._seq)

    def event(self, i: int) -> tuple[str, dict[str, str], str]:
        seq = self._next()
        ts = f"{1_800_000_000 + seq}.000100"
        # Each mention in its own channel: Slack (and the bot's pacing) allow about one post per second per channel,
        # which would measure the pacing rather than the bot.
        event = mention_event(self.texts[i % len(self.texts)], ts=ts, channel=f"C0B{seq:07d}")
        body = event_body(event, event_id=f"Ev{self.prefix}{seq:07d}")
        return body, signed_headers(body, secret=SIGNING_SECRET, content_type="application/json"), ts

    def command(self, i: int) -> tuple[str, dict[str, str]]:
        seq = self._next()
        body = command_body(self.texts[i % len(self.texts)], response_url=self.fake.response_url(f"{self.prefix}{seq}"))
        return body, signed_headers(body, secret=SIGNING_SECRET, content_type="application/x-www-form-urlencoded")
