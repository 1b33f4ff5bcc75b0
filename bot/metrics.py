"""Prometheus metrics of the serving processes (prometheus_client; multiprocess mode under gunicorn).

Every gunicorn worker and the responder writes its samples into one directory (PROMETHEUS_MULTIPROC_DIR) and
/metrics sums them. prometheus_client picks file-backed values when it is first imported, so the metrics are
built lazily: `use_multiprocess_dir` (called by `scope-bot serve` before any worker forks) must come first.
Labels carry rows, verdicts and surfaces only: never a user, channel or text (privacy, and a bounded series count).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Slack waits 3 s for an acknowledgement; the buckets are fine below that and stop just past it.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
SURFACES = ("mention", "command", "shortcut", "action", "view", "home", "event", "other")


@dataclass(frozen=True)
class _Metrics:
    requests: Any
    ack_seconds: Any
    listener_failures: Any
    verdicts: Any
    handovers: Any
    outbox_attempts: Any
    model_info: Any
    model_reloads: Any
    model_reload_failures: Any


@cache
def _metrics() -> _Metrics:
    from prometheus_client import Counter, Gauge, Histogram

    return _Metrics(
        requests=Counter("scope_bot_requests", "Requests from Slack by surface and outcome", ["surface", "outcome"]),
        ack_seconds=Histogram(
            "scope_bot_ack_seconds", "Time until Slack got its acknowledgement", ["surface"], buckets=ACK_BUCKETS
        ),
        listener_failures=Counter(
            "scope_bot_listener_failures", "Listener failures answered with an apology", ["surface"]
        ),
        verdicts=Counter(
            "scope_bot_verdicts",
            "Verdicts given, by source, verdict, row and reason",
            ["source", "verdict", "row", "reason"],
        ),
        handovers=Counter("scope_bot_handovers", "Messages handed over to a person, by reason", ["source", "reason"]),
        outbox_attempts=Counter(
            "scope_bot_outbox_attempts",
            "Attempts to deliver queued Slack calls, by method and result",
            ["method", "result"],
        ),
        # 1 for each version a live process serves (two during a rollout); an old version drops to 0.
        model_info=Gauge(
            "scope_bot_model_info",
            "Model version in use (1) by a live process",
            ["version"],
            multiprocess_mode="livemax",
        ),
        model_reloads=Counter("scope_bot_model_reloads", "Hot reloads of a newly promoted model"),
        model_reload_failures=Counter(
            "scope_bot_model_reload_failures", "Hot reloads that failed (the serving model kept serving)"
        ),
    )


def use_multiprocess_dir(path: Path) -> None:
    """Make every process started from here on (gunicorn workers, the responder) record into `path`.

    Files of an earlier run are removed: a restarted server must not add up its predecessor's counters twice.
    """
    if "prometheus_client" in sys.modules and os.environ.get(MULTIPROC_ENV) != str(path):
        raise ConfigError("metrics were set up before the multiprocess directory (PROMETHEUS_MULTIPROC_DIR)")
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)


def keep_in_memory(*, command: str) -> None:
    """Only `serve` shares a directory, set up for its workers and the responder it starts; every other process
    (CLI jobs, Socket Mode, a responder on its own) keeps its metrics in memory, whatever the environment says: a
    stray PROMETHEUS_MULTIPROC_DIR would make prometheus_client write files there, or fail if it is missing."""
    inherited = os.environ.get(MULTIPROC_ENV)
    if command == "respond" and inherited and Path(inherited).is_dir():
        return  # started by `serve`, which made the directory
    os.environ.pop(MULTIPROC_ENV, None)


def multiprocess_dir() -> str | None:
    """The directory the processes record into, or None when this process keeps its metrics in memory."""
    return os.environ.get(MULTIPROC_ENV) or None


def process_died(pid: int) -> None:
    """Drop a dead process's live gauges (its counters stay in the sums)."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def count_request(*, surface: str, outcome: str, seconds: float | None) -> None:
    """One request from Slack; `seconds` until it was acknowledged (None when it never reached the app)."""
    m = _metrics()
    m.requests.labels(surface, outcome).inc()
    if seconds is not None:
        m.ack_seconds.labels(surface).observe(seconds)


def count_listener_failure(surface: str) -> None:
    """A listener raised and the user got an apology."""
    _metrics().listener_failures.labels(surface).inc()


def count_verdict(*, source: str, verdict: str, row: str, reason: str | None, handed_over: bool) -> None:
    """One logged verdict; `handed_over` when the reply asks a person to take over."""
    m = _metrics()
    m.verdicts.labels(source, verdict, row, reason or "").inc()
    if handed_over:
        m.handovers.labels(source, reason or "").inc()


def count_outbox_attempt(*, method: str, result: str) -> None:
    """One delivery attempt of a queued Slack call: sent, found (posted before), retry, rate_limited, parked,
    failed."""
    _metrics().outbox_attempts.labels(method, result).inc()


def model_in_use(version: str, *, previous: str | None = None, reloaded: bool = False) -> None:
    """The process serves `version` now (instead of `previous`)."""
    m = _metrics()
    if previous is not None and previous != version:
        m.model_info.labels(previous).set(0)
    m.model_info.labels(version).set(1)
    if reloaded:
        m.model_reloads.inc()


def count_reload_failure() -> None:
    """A hot reload did not load the promoted version."""
    _metrics().model_reload_failures.inc()
