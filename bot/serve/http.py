"""HTTP mode: one WSGI app (/slack/events for everything Slack sends, GET /healthz) under gunicorn."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.serve.guard import Refusal, guard
from bot.serve.gunicorn_app import GunicornApp, gunicorn_options
from bot.serve.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.slack.preflight import BotIdentity

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def _refuse(refusal: Refusal, start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = json.dumps({"error": refusal.reason}).encode()
    start_response(refusal.status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def make_wsgi_app(runtime: Runtime) -> Callable[..., Iterable[bytes]]:
    """Route /healthz to a JSON status and everything else to Bolt's WSGI handler, behind the request guard."""
    slack = SlackRequestHandler(runtime.app, path=SLACK_PATH)
    verifier = SignatureVerifier(runtime.settings.slack_signing_secret)

    def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            tasks = runtime.task_health()
            body = json.dumps(
                {
                    # Still HTTP 200 when degraded: requests are served; only retries or reloads have stopped.
                    "status": "ok" if all(tasks.values()) else "degraded",
                    "model_version": runtime.classifier.version,
                    "pending_slack_calls": runtime.store.outbox.pending_count(),
                    "failed_slack_calls": runtime.store.outbox.failed_count(),
                    "background_tasks": tasks,
                }
            ).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == SLACK_PATH:
            refusal = guard(environ, verifier)
            if refusal is not None:
                log.warning("refused a request to %s: %s %s", SLACK_PATH, refusal.status, refusal.reason)
                return _refuse(refusal, start_response)
        return slack(environ, start_response)

    return application


def serve(settings: Settings, *, identity: BotIdentity, host: str, port: int, workers: int, threads: int = 8) -> None:
    """Run the HTTP server in the foreground until SIGTERM/SIGINT."""

    def build_worker_app() -> Callable[..., Iterable[bytes]]:
        runtime = build_runtime(settings, identity=identity)
        runtime.start_background()
        return make_wsgi_app(runtime)

    GunicornApp(build_worker_app, gunicorn_options(host=host, port=port, workers=workers, threads=threads)).run()
