"""The benchmark's harness: run sizes, output (tables, progress log, machine note) and subprocess phases.

Importing it puts the project root on sys.path (via _paths). Only the standard library at import time: phases.py
imports it too, and a phase's peak RSS should be the phase's own.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _paths import BENCH_DIR, ROOT


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
    http_rounds: int  # part B measures every server this many times, in turns (ratios: median of the rounds)
    workers: int
    retrain_sizes: tuple[int, ...]
    retrain_limit_s: dict[int, float] = field(default_factory=dict)


FULL = Config(
    quick=False,
    n_single=500,
    n_batch=5000,
    tune=True,
    tune_limit_s=120.0,
    http_n=2000,
    http_clients=4,
    http_n_serial=500,
    http_rounds=3,
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
    http_rounds=1,
    workers=2,
    retrain_sizes=(200, 1_000),
    retrain_limit_s={200: 300.0, 1_000: 300.0},
)


# --- figures -----------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))  # ceil(q/100 * n), clamped
    return ordered[rank - 1]


# --- output ------------------------------------------------------------------------------------------------------


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], notes: Sequence[str] = ()) -> None:
    """Print an aligned text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[cell(v) for v in row] for row in rows]
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


def cell(value: Any) -> str:
    """One table cell: None as "-", booleans as yes/no, numbers with a precision that suits their size."""
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
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        mem = next(line for line in meminfo if line.startswith("MemTotal")).split()[1]
        mem_s = f", RAM {int(mem) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        mem_s = ""
    return (
        f"machine: {cpus} cores ({usable} usable){mem_s}, {platform.machine()}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), scikit-learn {sklearn.__version__}, "
        f"{platform.system()} {platform.release()}"
    )


# --- subprocess phases -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
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
