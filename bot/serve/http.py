"""HTTP mode: one WSGI app (/slack/events for everything Slack sends, GET /healthz) under gunicorn."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.serve.guard import Refusal, guard
from bot.serve.gunicorn_app import GunicornApp, gunicorn_options
from bot.serve.health import check_health
from bot.serve.responder import ResponderSupervisor
from bot.serve.runtime import WEB, Runtime, build_runtime
from bot.settings import Settings
from bot.slack.preflight import BotIdentity

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
ACK_SWITCH_INTERVAL = 0.0005
HEALTH_PATH = "/healthz"


def _refuse(refusal: Refusal, start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = json.dumps({"error": refusal.reason}).encode()
    start_response(refusal.status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def make_wsgi_app(runtime: Runtime) -> Callable[..., Iterable[bytes]]:
    """Route /healthz to a JSON status and everything else to Bolt's WSGI handler, behind the request guard."""
    if runtime.app is None:
        raise ValueError("a responder runtime serves no requests")
    slack = SlackRequestHandler(runtime.app, path=SLACK_PATH)
    verifier = SignatureVerifier(runtime.settings.slack_signing_secret)

    def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            health = check_health(store=runtime.store, classifier=runtime.classifier, tasks=runtime.task_health())
            body = json.dumps(health.to_dict()).encode()
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
        # A request thread waiting for the GIL while a listener thread classifies would wait up to the default
        # 5 ms switch interval before it may acknowledge; 0.5 ms keeps acknowledgements prompt.
        sys.setswitchinterval(ACK_SWITCH_INTERVAL)
        runtime = build_runtime(settings, identity=identity, role=WEB)
        runtime.start_background()
        return make_wsgi_app(runtime)

    # The responder answers the mentions the workers store, in a process of its own (see bot.serve.responder).
    responder = ResponderSupervisor()
    responder.start()
    try:
        GunicornApp(build_worker_app, gunicorn_options(host=host, port=port, workers=workers, threads=threads)).run()
    finally:
        responder.stop()
