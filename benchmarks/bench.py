"""scope-bot benchmark: classifier, HTTP server vs. a bare Bolt app, retraining at scale.

    .venv/bin/python benchmarks/bench.py            # full run (make bench)
    .venv/bin/python benchmarks/bench.py --quick    # smaller counts, for iterating
    .venv/bin/python benchmarks/bench.py --only A   # one part (A, B, C; may repeat)

Prints aligned tables; asserts nothing about timing. Everything stays on 127.0.0.1: Slack is tests.support's
FakeSlack. Peak memory of a phase is measured in its own subprocess (benchmarks/phases.py) via os.wait4's rusage.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
for _p in (str(ROOT), str(BENCH_DIR)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from feedback_gen import generate  # noqa: E402
from phases import percentile  # noqa: E402

from tests.support.fake_slack import FakeSlack  # noqa: E402
from tests.support.slack_requests import command_body, event_body, mention_event, signed_headers  # noqa: E402

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
QUOTES_CHANNEL = "C0QUOTES"


@dataclass(frozen=True)
class Config:
    quick: bool
    n_single: int
    n_batch: int
    tune: bool
    tune_limit_s: float
    http_n: int
    http_clients: int
    http_n_serial: int
    workers: int
    retrain_sizes: tuple[int, ...]
    retrain_limit_s: dict[int, float] = field(default_factory=dict)


FULL = Config(
    quick=False,
    n_single=500,
    n_batch=5000,
    tune=True,
    tune_limit_s=120.0,
    http_n=400,
    http_clients=4,
    http_n_serial=100,
    workers=2,
    retrain_sizes=(1_000, 10_000, 100_000),
    retrain_limit_s={1_000: 120.0, 10_000: 240.0, 100_000: 600.0},
)
QUICK = Config(
    quick=True,
    n_single=100,
    n_batch=1000,
    tune=False,
    tune_limit_s=120.0,
    http_n=80,
    http_clients=4,
    http_n_serial=20,
    workers=2,
    retrain_sizes=(200, 1_000),
    retrain_limit_s={200: 300.0, 1_000: 300.0},
)


# --- output ------------------------------------------------------------------------------------------------------


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], notes: Sequence[str] = ()) -> None:
    """Print an aligned text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)).rstrip()

    print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))
    for note in notes:
        print(f"  note: {note}")
    sys.stdout.flush()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}"
        if value >= 100:
            return f"{value:.1f}"
        return f"{value:.2f}" if value >= 0.1 or value == 0 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def log(message: str) -> None:
    """Progress on stderr, so stdout is the tables."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine_note() -> str:
    import sklearn

    cpus = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cpus
    try:
        mem = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1]
        mem_s = f", RAM {int(mem) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        mem_s = ""
    return (
        f"machine: {cpus} cores ({usable} usable){mem_s}, {platform.machine()}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), scikit-learn {sklearn.__version__}, {platform.system()} {platform.release()}"
    )


# --- subprocess phases -------------------------------------------------------------------------------------------


@dataclass
class PhaseRun:
    result: dict[str, Any] | None
    peak_mib: float
    wall_s: float
    status: str  # "ok", "timeout", "failed (exit N)"
    log_tail: str = ""


def run_phase(phase: str, args: dict[str, Any], *, timeout: float, workdir: Path) -> PhaseRun:
    """Run benchmarks/phases.py PHASE in a fresh interpreter; peak RSS from that child's own rusage (os.wait4)."""
    tag = f"{phase}-{uuid.uuid4().hex[:6]}"
    out_path, log_path = workdir / f"{tag}.json", workdir / f"{tag}.log"
    started = time.monotonic()
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "phases.py"), phase, json.dumps(args), str(out_path)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
    status_text = "ok"
    while True:  # bounded by the deadline
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            status_text = "timeout"
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: the child and any pool workers it started
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if status_text == "ok" and proc.returncode != 0:
        status_text = f"failed (exit {proc.returncode})"
    result = json.loads(out_path.read_text()) if status_text == "ok" and out_path.exists() else None
    tail = "" if status_text == "ok" else "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
    if tail:
        log(f"phase {phase} {status_text}; last lines of its output:\n{tail}")
    return PhaseRun(result=result, peak_mib=usage.ru_maxrss / 1024, wall_s=wall, status=status_text, log_tail=tail)


# --- A: classifier -----------------------------------------------------------------------------------------------


def part_a(cfg: Config, workdir: Path, model_dir: Path) -> None:
    log("A: baseline interpreter + imports")
    base = run_phase("imports", {}, timeout=120, workdir=workdir)
    log(f"A: classify ({cfg.n_single} single, batch of {cfg.n_batch})")
    cls = run_phase(
        "classify",
        {"model_dir": str(model_dir), "n_single": cfg.n_single, "n_batch": cfg.n_batch},
        timeout=300,
        workdir=workdir,
    )
    log("A: train_model(tune=False)")
    train = run_phase("train", {"tune": False}, timeout=600, workdir=workdir)
    tune: PhaseRun | None = None
    if cfg.tune:
        log(f"A: train_model(tune=True), stopped after {cfg.tune_limit_s:.0f} s")
        tune = run_phase("train", {"tune": True}, timeout=cfg.tune_limit_s, workdir=workdir)

    c, t = cls.result or {}, train.result or {}
    rows: list[list[Any]] = [
        [f"single classify() latency p50 (ms), n={c.get('n_single', '-')}", c.get("p50_ms")],
        ["single classify() latency p99 (ms)", c.get("p99_ms")],
        ["single classify() latency mean / max (ms)", _pair(c.get("mean_ms"), c.get("max_ms"))],
        [f"batch classify_many() throughput (msg/s), n={c.get('n_batch', '-')}", c.get("batch_per_s")],
        ["  same batch, vectorise + predict_proba only (msg/s)", c.get("vector_only_per_s")],
        ["model load, Classifier.load (s)", c.get("load_s")],
        ["model file size, model.joblib (bytes)", c.get("model_bytes")],
        ["model feature count", c.get("n_features")],
        [
            f"training, train_model(tune=False) (s), {t.get('n_train', '?')} train / {t.get('n_dev', '?')} dev",
            t.get("seconds"),
        ],
    ]
    notes = [f"model version {c.get('version', '?')} from {model_dir}"]
    if tune is None:
        rows.append(["training, train_model(tune=True) (s)", "skipped (--quick)"])
    elif tune.status == "ok" and tune.result:
        rows.append(["training, train_model(tune=True) (s)", tune.result["seconds"]])
        notes.append(f"tune=True picked {tune.result['params']} (CV macro-F1 {tune.result['cv_score']:.3f})")
    elif tune.status == "timeout":
        rows.append(["training, train_model(tune=True) (s)", f"> {cfg.tune_limit_s:.0f} (stopped)"])
        notes.append(
            f"tune=True did not finish within {cfg.tune_limit_s:.0f} s and was stopped (limit from the brief: report only if < 2 min)"
        )
    else:
        rows.append(["training, train_model(tune=True) (s)", tune.status])
    rows += [
        ["peak RSS: python + imports only (MiB)", base.peak_mib if base.status == "ok" else base.status],
        ["peak RSS: load model + classify (MiB)", cls.peak_mib if cls.status == "ok" else cls.status],
        ["peak RSS: train_model(tune=False) (MiB)", train.peak_mib if train.status == "ok" else train.status],
    ]
    if tune is not None and tune.status == "ok":
        rows.append(["peak RSS: train_model(tune=True), largest process (MiB)", tune.peak_mib])
    if t.get("n_iter"):
        notes.append(
            f"tune=False fit: LogisticRegression n_iter_ {t['n_iter']}, dev verdict accuracy {t['verdict_accuracy']:.1%}"
        )
    notes.append("each row group runs in its own fresh interpreter; peak RSS = that process's ru_maxrss (os.wait4)")
    table("A. Classifier", ["metric", "value"], rows, notes)


def _pair(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{_cell(a)} / {_cell(b)}"


# --- B: HTTP server ----------------------------------------------------------------------------------------------


class TimedFakeSlack(FakeSlack):
    """FakeSlack that also records when each threaded chat.postMessage arrived (perf_counter, this process)."""

    def __init__(self) -> None:
        super().__init__()
        self.reply_at: dict[str, float] = {}
        self.reply_lock = threading.Lock()

    def _handle(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        arrived = time.perf_counter()
        answer = super()._handle(path, params)
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
                total += int(next(l for l in status.splitlines() if l.startswith("VmRSS")).split()[1])
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


def run_load(
    port: int, kind: str, build: Callable[[int], tuple[str, dict[str, str]]], n: int, clients: int, timeout_s: float
) -> LoadResult:
    """POST `n` requests to /slack/events from `clients` threads (one keep-alive connection each)."""
    results: list[tuple[float, float, str, bytes] | None] = [None] * n
    counter = itertools.count()
    lock = threading.Lock()
    deadline = time.perf_counter() + timeout_s

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next(counter)
            if i >= n or time.perf_counter() > deadline:
                break
            body, headers = build(i)  # signs with the current timestamp; not timed
            payload = body.encode()
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
    """Signed app_mention events (distinct event_id and ts) and /scope commands over the dev-set texts."""

    def __init__(self, texts: Sequence[str], fake: FakeSlack, prefix: str):
        self.texts = list(texts)
        self.fake = fake
        self.prefix = prefix
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def _next(self) -> int:
        with self._lock:
            return next(self._seq)

    def event(self, i: int) -> tuple[str, dict[str, str], str]:
        seq = self._next()
        ts = f"{1_800_000_000 + seq}.000100"
        body = event_body(mention_event(self.texts[i % len(self.texts)], ts=ts), event_id=f"Ev{self.prefix}{seq:07d}")
        return body, signed_headers(body, secret=SIGNING_SECRET, content_type="application/json"), ts

    def command(self, i: int) -> tuple[str, dict[str, str]]:
        seq = self._next()
        body = command_body(self.texts[i % len(self.texts)], response_url=self.fake.response_url(f"{self.prefix}{seq}"))
        return body, signed_headers(body, secret=SIGNING_SECRET, content_type="application/x-www-form-urlencoded")


def measure_server(
    server: Server, fake: TimedFakeSlack, texts: Sequence[str], cfg: Config, *, replies: bool
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


def part_b(cfg: Config, workdir: Path, model_dir: Path, texts: Sequence[str]) -> None:
    results: dict[str, list[LoadResult]] = {}
    servers: dict[str, Server] = {}
    rss: dict[str, float | None] = {}
    with TimedFakeSlack() as fake:
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
        port = free_port()
        plans = [
            (
                "scope-bot",
                scope_cmd + ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(cfg.workers)],
                scope_env,
                port,
                True,
            ),
        ]
        port2 = free_port()
        plans.append(
            (
                "bare-bolt",
                [
                    sys.executable,
                    str(BENCH_DIR / "bare_server.py"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port2),
                    "--workers",
                    str(cfg.workers),
                ],
                base_env,
                port2,
                False,
            )
        )
        for name, cmd, env, p, replies in plans:
            log(f"B: starting {name} on 127.0.0.1:{p} ({cfg.workers} workers x 8 threads)")
            server = start_server(name, cmd, env, p, workdir)
            servers[name] = server
            try:
                log(f"B: {name} up after {server.startup_s:.1f} s; sending requests")
                results[name] = measure_server(server, fake, texts, cfg, replies=replies)
                rss[name] = server.rss_mib()
                if server.proc.poll() is not None:
                    log(f"B: {name} died during the run:\n{server.log_tail()}")
            finally:
                server.stop()
        auth_tests = len(fake.calls_to("auth.test"))

    rows = []
    for name, runs in results.items():
        for r in runs:
            rows.append(
                [
                    name,
                    r.kind,
                    r.clients,
                    r.n,
                    r.n - r.ok,
                    r.per_s,
                    r.done_per_s,
                    percentile(r.latencies_ms, 50) if r.latencies_ms else None,
                    percentile(r.latencies_ms, 99) if r.latencies_ms else None,
                    f"{len(r.reply_ms)}/{r.replies_expected}" if r.replies_expected else "-",
                    percentile(r.reply_ms, 50) if r.reply_ms else None,
                    percentile(r.reply_ms, 99) if r.reply_ms else None,
                ]
            )
    notes = [
        f"{cfg.workers} gunicorn workers (gthread, 8 threads) each; client = {cfg.http_clients} threads with keep-alive connections "
        "in the benchmark process, which also hosts the fake Slack (same CPUs as the server)",
        "ack = time until the HTTP 200 response body was read; reply = request sent -> threaded chat.postMessage arrived at the fake",
        "acks/s = requests / time until the last ack; done/s = mentions whose threaded reply arrived / time until the last reply",
        "/scope acks carrying a verdict (blocks): "
        + ", ".join(
            f"{n}: {sum(r.bodies_with_verdict for r in runs if r.kind.startswith('/scope'))}"
            for n, runs in results.items()
        ),
        "startup to first /healthz 200: "
        + ", ".join(f"{n} {s.startup_s:.1f} s" for n, s in servers.items())
        + "; RSS master+workers after the run: "
        + ", ".join(f"{n} {v:.0f} MiB" if v else f"{n} ?" for n, v in rss.items()),
        f"fake Slack received {auth_tests} auth.test calls in total",
    ]
    for name, runs in results.items():
        bad = {k: v for r in runs for k, v in r.statuses.items() if k != "200"}
        if bad:
            notes.append(f"{name}: non-200 outcomes {bad}")
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

    if "scope-bot" in results and "bare-bolt" in results:
        ratio_rows = []
        for mine, bare in zip(results["scope-bot"], results["bare-bolt"]):
            if not (mine.latencies_ms and bare.latencies_ms):
                continue
            ratio_rows.append(
                [
                    mine.kind,
                    mine.clients,
                    _ratio(mine.per_s, bare.per_s),
                    _ratio(percentile(mine.latencies_ms, 50), percentile(bare.latencies_ms, 50)),
                    _ratio(percentile(mine.latencies_ms, 99), percentile(bare.latencies_ms, 99)),
                ]
            )
        table(
            "B. Ratios scope-bot / bare Bolt (acks/s below 1 and latency above 1 = scope-bot's own cost)",
            ["request", "clients", "acks/s ratio", "ack p50 ratio", "ack p99 ratio"],
            ratio_rows,
        )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


# --- C: retraining -----------------------------------------------------------------------------------------------


def seed_model_root(src_root: Path, dest_root: Path) -> str:
    """A private model root holding a copy of the current version of `src_root`, made current."""
    from model.artifacts import ModelStore

    version = ModelStore(src_root).current_version()
    if version is None:
        raise RuntimeError(f"{src_root}: no current model (run 'make model')")
    shutil.copytree(ModelStore(src_root).version_dir(version), ModelStore(dest_root).version_dir(version))
    ModelStore(dest_root).promote(version)
    return version


def part_c(cfg: Config, workdir: Path, model_dir: Path) -> None:
    from bot.settings import load_settings
    from bot.store import Store
    from model.catalog import load_catalog
    from model.data import load_dev_set, load_training_dir

    settings = load_settings()
    catalog = load_catalog(settings.catalog_path)
    train = load_training_dir(settings.train_dir, catalog)
    dev = load_dev_set(settings.dev_path, catalog)

    rows, runs = [], {}
    for n in cfg.retrain_sizes:
        base = workdir / f"retrain-{n}"
        base.mkdir()
        seed_model_root(model_dir, base / "models")
        db_url = f"sqlite:///{base / 'feedback.db'}"
        t0 = time.perf_counter()
        items = generate(train.texts, train.labels, n, seed=n, exclude=dev.texts)
        gen_s = time.perf_counter() - t0
        store = Store.open(db_url)
        t0 = time.perf_counter()
        inserted = store.add_feedback_many(items)
        insert_s = time.perf_counter() - t0
        store.close()
        del items
        limit = cfg.retrain_limit_s.get(n, 600.0)
        log(f"C: retrain with {inserted:,} accepted feedback (stopped after {limit:.0f} s)")
        run = run_phase(
            "retrain",
            {"db_url": db_url, "model_dir": str(base / "models"), "reports_dir": str(base / "reports")},
            timeout=limit,
            workdir=workdir,
        )
        runs[n] = run
        r = run.result or {}
        counts = r.get("counts", {})
        if run.status == "ok":
            seconds: Any = r["seconds"]
        elif run.status == "timeout":
            seconds = f"> {limit:.0f} (stopped)"
        else:
            seconds = run.status
        rows.append(
            [
                inserted,
                gen_s,
                insert_s,
                seconds,
                run.peak_mib if run.status == "ok" else f"({run.peak_mib:.0f} at stop)",
                r.get("promoted") if run.status == "ok" else "-",
                f"{counts.get('feedback_used', '?')}/{counts.get('feedback_held_out', '?')}" if counts else "-",
                _pct(r.get("current_acc")),
                _pct(r.get("candidate_acc")),
            ]
        )
        log(f"C: {n:,}: {seconds if isinstance(seconds, str) else f'{seconds:.1f} s'}, peak {run.peak_mib:.0f} MiB")
        if run.status != "ok" and n != cfg.retrain_sizes[-1]:
            log("C: skipping larger sizes")
            break
    notes = [
        "feedback = training phrasings of one label recombined (head of one + tail of another), 1-3 noise words, some typos; "
        "inserted with Store.add_feedback_many into a fresh SQLite file per size",
        "each retrain runs in its own process against a copy of the current model; seconds = retrain() wall time in that process",
        "acc = verdict accuracy on the run's evaluation set (dev + held-out feedback), current model vs. candidate",
    ]
    for n, run in runs.items():
        if run.result and run.result.get("reason"):
            reason = run.result["reason"]
            notes.append(f"{n:,}: gate: {reason if len(reason) <= 150 else reason[:147] + '...'}")
    table(
        "C. Retraining at scale (bot.retrain.retrain, YAML + accepted feedback)",
        [
            "feedback",
            "generate s",
            "insert s",
            "retrain s",
            "peak RSS MiB",
            "promoted",
            "used/held-out",
            "acc current",
            "acc candidate",
        ],
        rows,
        notes,
    )

    labels: list[str] = []
    for run in runs.values():
        for label in (run.result or {}).get("timers", {}):
            if label not in labels:
                labels.append(label)
    if labels:
        sizes = [n for n, run in runs.items() if run.result]
        breakdown = []
        for label in labels:
            row: list[Any] = [label]
            for n in sizes:
                seconds, calls = runs[n].result["timers"].get(label, [None, 0])
                row.append(f"{seconds:.2f} ({calls}x)" if seconds is not None and calls else "-")
            breakdown.append(row)
        table(
            "C. Where retraining time goes (cumulative s, calls; nested calls overlap)",
            ["step"] + [f"{n:,}" for n in sizes],
            breakdown,
        )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


# --- main --------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller counts, no CV search, retrain 200 and 1k")
    parser.add_argument("--only", action="append", choices=["A", "B", "C"], help="run only this part (repeatable)")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    parts = set(args.only or ["A", "B", "C"])

    from bot.settings import load_settings
    from model.artifacts import ModelStore
    from model.catalog import load_catalog
    from model.data import load_dev_set

    settings = load_settings()
    model_dir = settings.model_dir
    if ModelStore(model_dir).current_version() is None:
        print(f"no current model under {model_dir}: run 'make model' first", file=sys.stderr)
        return 1
    dev_texts = list(load_dev_set(settings.dev_path, load_catalog(settings.catalog_path)).texts)

    started = time.monotonic()
    print(f"scope-bot benchmark{' (--quick)' if cfg.quick else ''}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(machine_note())
    with tempfile.TemporaryDirectory(prefix="scope-bot-bench-") as tmp:
        workdir = Path(tmp)
        if "A" in parts:
            part_a(cfg, workdir, model_dir)
        if "B" in parts:
            part_b(cfg, workdir, model_dir, dev_texts)
        if "C" in parts:
            part_c(cfg, workdir, model_dir)
    print(f"\ntotal benchmark time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
