"""Part B: `scope-bot serve` on SQLite and on PostgreSQL vs. a bare Bolt app (empty handlers) under the same
gunicorn set-up, on loopback: the servers one after another, the same load each, in rounds (each round with a fake
Slack and databases of its own).

The figures are part_b_figures', the tables part_b_report's, the databases part_b_databases'.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import part_b_report
from _paths import BENCH_DIR
from fake_slack_process import RemoteFakeSlack
from harness import Config, log
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
from part_b_databases import BenchDatabase, bench_databases
from part_b_figures import COMMAND, MENTION, HttpFigures, LoadFigures, ServerFigures

QUOTES_CHANNEL = "C0QUOTES"
SEQ_BLOCK = 1_000_000  # each server's requests number from its own block: distinct event ids, ts and channels
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|^Traceback ")


@dataclass(frozen=True)
class Plan:
    """One server to measure: the command without its listen options, which come with the port at its start."""

    name: str  # "scope-bot", "bare-bolt"
    database: BenchDatabase | None
    cmd: tuple[str, ...]
    env: dict[str, str]
    replies: bool  # await the threaded replies of mentions
    prepare: tuple[str, ...] = ()  # run once before the server starts (with its environment)

    @property
    def tag(self) -> str:
        """In its log file's name and its requests' ids."""
        return f"{self.name}-{self.database.key}" if self.database else self.name


# --- measuring ---------------------------------------------------------------------------------------------------


def _plans(fake: RemoteFakeSlack, workdir: Path, model_dir: Path, databases: Sequence[BenchDatabase]) -> list[Plan]:
    """scope-bot on the first database (SQLite), the bare Bolt app, then scope-bot on each further database: the
    baseline runs between them, so drift on a shared machine affects the ratios alike."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SCOPE_BOT_"))}
    base_env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        PYTHONUNBUFFERED="1",
    )
    script = Path(sys.executable).parent / "scope-bot"
    scope_cmd = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
    )

    def scope_bot(db: BenchDatabase) -> Plan:
        env = {
            **base_env,
            "SCOPE_BOT_QUOTES_CHANNEL": QUOTES_CHANNEL,
            "SCOPE_BOT_DB": db.url,
            "SCOPE_BOT_MODEL_DIR": str(model_dir),
            "SCOPE_BOT_REPORTS_DIR": str(workdir / f"reports-{db.key}"),
        }
        # Where the models live in the database (SCOPE_BOT_MODEL_STORE's default on PostgreSQL), `train --if-missing`
        # publishes the model directory's current model into it, as deploy/k8s's initContainer does; with the models
        # in files it finds that model current and does nothing. It never trains when that model loads.
        prepare = () if db.key == "sqlite" else (*scope_cmd, "train", "--if-missing")
        return Plan("scope-bot", db, (*scope_cmd, "serve"), env, replies=True, prepare=prepare)

    bare = Plan("bare-bolt", None, (sys.executable, str(BENCH_DIR / "bare_server.py")), base_env, replies=False)
    first, *others = databases
    return [scope_bot(first), bare, *(scope_bot(db) for db in others)]


def measure_plan(
    plan: Plan, index: int, fake: RemoteFakeSlack, texts: Sequence[str], cfg: Config, workdir: Path, *, round_: int
) -> ServerFigures:
    """Start the plan's server, put the load on it, stop it; a server that does not start gives no runs."""
    port = free_port()
    cmd = [*plan.cmd, "--host", "127.0.0.1", "--port", str(port), "--workers", str(cfg.workers)]
    database = plan.database.label if plan.database else None
    try:
        if plan.prepare:
            _prepare(plan, workdir)
        log(f"B: round {round_}: starting {plan.tag} on 127.0.0.1:{port} ({cfg.workers} workers x 8 threads)")
        server = start_server(plan.tag, cmd, plan.env, port, workdir)
    except RuntimeError as exc:
        log(f"B: {plan.tag} not measured: {exc}")
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = f"{lines[0].rstrip(':')}: {lines[-1]}" if len(lines) > 1 else (lines or ["?"])[0]
        return ServerFigures(plan.name, database, None, None, (), failure=reason[:300], round=round_)
    failure = None
    try:
        log(f"B: {plan.tag} up after {server.startup_s:.1f} s; sending requests")
        factory = RequestFactory(texts, fake, prefix=re.sub(r"[^A-Za-z]", "", plan.tag)[:8], first=index * SEQ_BLOCK)
        runs = measure_server(server, fake, factory, cfg, replies=plan.replies)
        rss = server.rss_mib()
        if server.proc.poll() is not None:
            failure = f"died during the run (exit {server.proc.returncode})"
            log(f"B: {plan.tag} {failure}:\n{server.log_tail()}")
    finally:
        server.stop()
    errors = [line for line in server.log_path.read_text(errors="replace").splitlines() if ERROR_LINE.search(line)]
    return ServerFigures(
        name=plan.name,
        database=database,
        startup_s=server.startup_s,
        rss_mib=rss,
        runs=tuple(LoadFigures.of(r) for r in runs),
        log_errors=len(errors),
        first_error=errors[0][:200] if errors else None,
        failure=failure,
        round=round_,
    )


def _prepare(plan: Plan, workdir: Path) -> None:
    log(f"B: {plan.tag}: {' '.join(plan.prepare[-2:])}")
    try:
        done = subprocess.run(
            plan.prepare, env=plan.env, cwd=workdir, capture_output=True, text=True, timeout=600, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{' '.join(plan.prepare[-2:])} did not finish within {exc.timeout:.0f} s") from None
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(plan.prepare[-2:])} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    log(f"B: {plan.tag}: {(done.stdout.strip().splitlines() or ['done'])[-1]}")


def measure_server(
    server: Server, fake: RemoteFakeSlack, factory: RequestFactory, cfg: Config, *, replies: bool
) -> list[LoadResult]:
    out: list[LoadResult] = []

    def events(n: int, clients: int, record: bool) -> None:
        keys: list[str | None] = [None] * n

        def build(i: int) -> tuple[str, dict[str, str]]:
            body, headers, ts = factory.event(i)
            keys[i] = ts
            return body, headers

        result = run_load(server.port, MENTION, build, n, clients, timeout_s=300)
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
        result = run_load(server.port, COMMAND, factory.command, n, clients, timeout_s=300)
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
    auth_tests = 0
    with bench_databases(workdir) as dbs:
        if dbs.skipped:
            log(f"B: PostgreSQL rows skipped: {dbs.skipped}")
        # Every server once per round, in turns: what the machine does meanwhile (other load, frequency, caches)
        # drifts over minutes, and a ratio is taken within a round, then the median over rounds. Each round starts
        # from empty databases and a new fake Slack, so that no round pays for the rows and calls of the ones before.
        for r in range(cfg.http_rounds):
            with RemoteFakeSlack() as fake:
                plans = _plans(fake, workdir, model_dir, dbs.fresh(r + 1))
                for i, plan in enumerate(plans):
                    servers.append(measure_plan(plan, r * len(plans) + i, fake, texts, cfg, workdir, round_=r + 1))
                auth_tests += fake.auth_tests()
    return HttpFigures(
        servers=tuple(servers),
        databases=dbs.databases,
        postgres_skipped=dbs.skipped,
        auth_tests=auth_tests,
        workers=cfg.workers,
        clients=cfg.http_clients,
    )


def run(cfg: Config, workdir: Path, model_dir: Path, texts: Sequence[str]) -> None:
    part_b_report.report(measure(cfg, workdir, model_dir, texts))
