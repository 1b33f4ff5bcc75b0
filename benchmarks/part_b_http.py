"""Part B: `scope-bot serve` vs. a bare Bolt app (empty handlers) under the same gunicorn set-up, on loopback."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _paths import BENCH_DIR
from fake_slack_process import RemoteFakeSlack
from harness import Config, log, percentile, table
from load import (
    BOT_TOKEN,
    SIGNING_SECRET,
    LoadResult,
    RequestFactory,
    Server,
    free_port,
    run_load,
    start_server,
)

QUOTES_CHANNEL = "C0QUOTES"


@dataclass(frozen=True)
class LoadFigures:
    """One load run against one server (latencies in ms; None: nothing to take a percentile of)."""

    kind: str
    clients: int
    n: int
    errors: int
    acks_per_s: float
    done_per_s: float | None
    ack_p50_ms: float | None
    ack_p99_ms: float | None
    replies: int  # threaded replies that arrived at the fake Slack
    replies_expected: int  # 0: replies not awaited
    reply_p50_ms: float | None
    reply_p99_ms: float | None
    bodies_with_verdict: int
    statuses: dict[str, int]

    @classmethod
    def of(cls, r: LoadResult) -> LoadFigures:
        return cls(
            kind=r.kind,
            clients=r.clients,
            n=r.n,
            errors=r.n - r.ok,
            acks_per_s=r.per_s,
            done_per_s=r.done_per_s,
            ack_p50_ms=percentile(r.latencies_ms, 50) if r.latencies_ms else None,
            ack_p99_ms=percentile(r.latencies_ms, 99) if r.latencies_ms else None,
            replies=len(r.reply_ms),
            replies_expected=r.replies_expected,
            reply_p50_ms=percentile(r.reply_ms, 50) if r.reply_ms else None,
            reply_p99_ms=percentile(r.reply_ms, 99) if r.reply_ms else None,
            bodies_with_verdict=r.bodies_with_verdict,
            statuses=dict(r.statuses),
        )


@dataclass(frozen=True)
class ServerFigures:
    name: str
    startup_s: float  # start to first /healthz 200
    rss_mib: float | None  # master + workers after the run
    runs: tuple[LoadFigures, ...]


@dataclass(frozen=True)
class HttpFigures:
    servers: tuple[ServerFigures, ...]
    auth_tests: int  # auth.test calls the fake Slack received in total
    workers: int
    clients: int


# --- measuring ---------------------------------------------------------------------------------------------------


def _plans(
    cfg: Config, fake: RemoteFakeSlack, workdir: Path, model_dir: Path
) -> list[tuple[str, list[str], dict[str, str], int, bool]]:
    """(name, command, environment, port, await threaded replies) of each server, scope-bot first."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SCOPE_BOT_"))}
    base_env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        PYTHONUNBUFFERED="1",
    )
    scope_env = {
        **base_env,
        "SCOPE_BOT_QUOTES_CHANNEL": QUOTES_CHANNEL,
        "SCOPE_BOT_DB": str(workdir / "http-bench.db"),
        "SCOPE_BOT_MODEL_DIR": str(model_dir),
        "SCOPE_BOT_REPORTS_DIR": str(workdir / "reports"),
    }
    script = Path(sys.executable).parent / "scope-bot"
    scope_cmd = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
    )
    port, port2 = free_port(), free_port()

    def listen(p: int) -> list[str]:
        return ["--host", "127.0.0.1", "--port", str(p), "--workers", str(cfg.workers)]

    bare_cmd = [sys.executable, str(BENCH_DIR / "bare_server.py"), *listen(port2)]
    return [
        ("scope-bot", [*scope_cmd, "serve", *listen(port)], scope_env, port, True),
        ("bare-bolt", bare_cmd, base_env, port2, False),
    ]


def measure_server(
    server: Server, fake: RemoteFakeSlack, texts: Sequence[str], cfg: Config, *, replies: bool
) -> list[LoadResult]:
    factory = RequestFactory(texts, fake, prefix=server.name.replace("-", "")[:6])
    out: list[LoadResult] = []

    def events(n: int, clients: int, record: bool) -> None:
        keys: list[str | None] = [None] * n

        def build(i: int) -> tuple[str, dict[str, str]]:
            body, headers, ts = factory.event(i)
            keys[i] = ts
            return body, headers

        result = run_load(server.port, "app_mention event", build, n, clients, timeout_s=300)
        if replies:
            wanted = [k for k in keys if k]
            arrived = fake.wait_replies(wanted, timeout=60)
            result.replies_expected = len(wanted)
            result.reply_ms = [(arrived[k] - result.sent_at[i]) * 1000 for i, k in enumerate(keys) if k in arrived]
            if arrived:
                span = max(arrived.values()) - min(t for t in result.sent_at if t == t)
                result.done_per_s = len(arrived) / span if span > 0 else None
        if record:
            out.append(result)

    def commands(n: int, clients: int, record: bool) -> None:
        result = run_load(server.port, "/scope command", factory.command, n, clients, timeout_s=300)
        if record:
            out.append(result)

    # Warm-up (not recorded): lazy imports, first classify, connection pools, in every worker.
    events(8 * cfg.workers, cfg.http_clients, False)
    commands(8 * cfg.workers, cfg.http_clients, False)
    events(cfg.http_n, cfg.http_clients, True)
    commands(cfg.http_n, cfg.http_clients, True)
    events(cfg.http_n_serial, 1, True)
    commands(cfg.http_n_serial, 1, True)
    return out


def measure(cfg: Config, workdir: Path, model_dir: Path, texts: Sequence[str]) -> HttpFigures:
    servers: list[ServerFigures] = []
    with RemoteFakeSlack() as fake:
        for name, cmd, env, port, replies in _plans(cfg, fake, workdir, model_dir):
            log(f"B: starting {name} on 127.0.0.1:{port} ({cfg.workers} workers x 8 threads)")
            server = start_server(name, cmd, env, port, workdir)
            try:
                log(f"B: {name} up after {server.startup_s:.1f} s; sending requests")
                runs = measure_server(server, fake, texts, cfg, replies=replies)
                rss = server.rss_mib()
                if server.proc.poll() is not None:
                    log(f"B: {name} died during the run:\n{server.log_tail()}")
            finally:
                server.stop()
            servers.append(ServerFigures(name, server.startup_s, rss, tuple(LoadFigures.of(r) for r in runs)))
        auth_tests = fake.auth_tests()
    return HttpFigures(servers=tuple(servers), auth_tests=auth_tests, workers=cfg.workers, clients=cfg.http_clients)


# --- formatting --------------------------------------------------------------------------------------------------


def report(figures: HttpFigures) -> None:
    """Print table B and, with both servers measured, the ratios table."""
    servers = figures.servers
    rows = [
        [
            s.name,
            r.kind,
            r.clients,
            r.n,
            r.errors,
            r.acks_per_s,
            r.done_per_s,
            r.ack_p50_ms,
            r.ack_p99_ms,
            f"{r.replies}/{r.replies_expected}" if r.replies_expected else "-",
            r.reply_p50_ms,
            r.reply_p99_ms,
        ]
        for s in servers
        for r in s.runs
    ]
    notes = [
        f"{figures.workers} gunicorn workers (gthread, 8 threads) each; client = {figures.clients} threads "
        "with keep-alive connections in the benchmark process; the fake Slack runs in a process of its own "
        "(all on the same CPUs as the server); scope-bot also runs its responder process",
        "ack = time until the HTTP 200 response body was read; "
        "reply = request sent -> threaded chat.postMessage arrived at the fake",
        "acks/s = requests / time until the last ack; "
        "done/s = mentions whose threaded reply arrived / time until the last reply",
        "/scope acks carrying a verdict (blocks): " + ", ".join(f"{s.name}: {_verdict_bodies(s)}" for s in servers),
        "startup to first /healthz 200: "
        + ", ".join(f"{s.name} {s.startup_s:.1f} s" for s in servers)
        + "; RSS master+workers after the run: "
        + ", ".join(f"{s.name} {s.rss_mib:.0f} MiB" if s.rss_mib else f"{s.name} ?" for s in servers),
        f"fake Slack received {figures.auth_tests} auth.test calls in total",
    ]
    for s in servers:
        bad = {k: v for r in s.runs for k, v in r.statuses.items() if k != "200"}
        if bad:
            notes.append(f"{s.name}: non-200 outcomes {bad}")
    table(
        "B. HTTP server on loopback: scope-bot serve vs. bare Bolt app (empty handlers), same gunicorn set-up",
        [
            "server",
            "request",
            "clients",
            "n",
            "errors",
            "acks/s",
            "done/s",
            "ack p50 ms",
            "ack p99 ms",
            "replies",
            "reply p50 ms",
            "reply p99 ms",
        ],
        rows,
        notes,
    )

    by_name = {s.name: s for s in servers}
    if "scope-bot" in by_name and "bare-bolt" in by_name:
        ratio_rows = [
            [
                mine.kind,
                mine.clients,
                _ratio(mine.acks_per_s, bare.acks_per_s),
                _ratio(mine.ack_p50_ms, bare.ack_p50_ms),
                _ratio(mine.ack_p99_ms, bare.ack_p99_ms),
            ]
            for mine, bare in zip(by_name["scope-bot"].runs, by_name["bare-bolt"].runs, strict=False)
            if mine.ack_p50_ms is not None and bare.ack_p50_ms is not None
        ]
        table(
            "B. Ratios scope-bot / bare Bolt (acks/s below 1 and latency above 1 = scope-bot's own cost)",
            ["request", "clients", "acks/s ratio", "ack p50 ratio", "ack p99 ratio"],
            ratio_rows,
        )


def run(cfg: Config, workdir: Path, model_dir: Path, texts: Sequence[str]) -> None:
    report(measure(cfg, workdir, model_dir, texts))


def _verdict_bodies(server: ServerFigures) -> int:
    return sum(r.bodies_with_verdict for r in server.runs if r.kind.startswith("/scope"))


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "-"
