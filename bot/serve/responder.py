"""The responder: the process that answers mentions, apart from the web workers that acknowledge them.

A web worker stores a mention (one INSERT) and acknowledges it. Classifying holds the GIL for milliseconds at a
time in scikit-learn's C code, so answering in the worker would hold up the acknowledgements of other requests;
here it does not. The responder runs at a lower CPU priority and holds off during a burst (bot.slack.inbox's
answer_after_burst), so acknowledgements come first and replies a moment later. It also delivers and retries the
outbox. `scope-bot serve` starts it and restarts it if it dies; `scope-bot respond` runs it alone (e.g. as its own
Deployment beside the web replicas).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

from bot.metrics import multiprocess_dir, process_died
from bot.serve.metrics_endpoint import StateCollector, start_metrics_server
from bot.serve.runtime import RESPONDER, build_runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

NICENESS = 10
RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 30.0
HEALTHY_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


def run_responder(settings: Settings) -> None:
    """Answer stored mentions and deliver the outbox until SIGTERM/SIGINT."""
    os.nice(NICENESS)
    runtime = build_runtime(settings, role=RESPONDER)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    runtime.start_background()
    if settings.metrics_port and not multiprocess_dir():
        # On its own (e.g. a Deployment of its own): /metrics on a port of its own, as in Socket Mode.
        start_metrics_server(StateCollector(runtime.store, runtime.classifier.store), port=settings.metrics_port)
    log.info("responder %d answering mentions with model %s", os.getpid(), runtime.classifier.version)
    try:
        stop.wait()
    finally:
        runtime.stop()


def responder_command() -> list[str]:
    """How `scope-bot serve` starts its responder: this interpreter, `scope-bot respond`."""
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(['respond']))"]


class ResponderSupervisor:
    """Keeps one responder process running beside gunicorn's workers (same environment and working directory)."""

    def __init__(self, command: list[str] | None = None):
        self.command = command or responder_command()
        self._process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The running responder's pid."""
        return self._process.pid if self._process else None

    def start(self) -> None:
        """Start the responder and a thread that restarts it when it exits."""
        self._spawn()
        threading.Thread(target=self._watch, name="scope-bot-responder-watch", daemon=True).start()

    def _spawn(self) -> None:
        with self._lock:
            if not self._stopping.is_set():
                self._process = subprocess.Popen(self.command)

    def _watch(self) -> None:
        delay = RESTART_DELAY_SECONDS
        started = time.monotonic()
        while not self._stopping.wait(0.5):
            process = self._process
            # gunicorn's master reaps every child; Popen then reports a reaped responder as exited with 0.
            if process is None or process.poll() is None:
                continue
            if time.monotonic() - started > HEALTHY_SECONDS:
                delay = RESTART_DELAY_SECONDS  # it ran fine for a while: not a crash loop
            log.error("the responder exited (%s); restarting it in %.0fs", process.returncode, delay)
            process_died(process.pid)
            if self._stopping.wait(delay):
                return
            self._spawn()
            started = time.monotonic()
            delay = min(delay * 2, MAX_RESTART_DELAY_SECONDS)

    def stop(self) -> None:
        """Stop the responder (SIGTERM, then SIGKILL after a grace period)."""
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        except ChildProcessError:
            pass  # already reaped by gunicorn's master
