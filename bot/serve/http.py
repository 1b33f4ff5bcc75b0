"""HTTP mode: one WSGI app (/slack/events for everything Slack sends, GET /healthz) under gunicorn."""

from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier

from bot.logs import gunicorn_logconfig
from bot.metrics import process_died, use_multiprocess_dir
from bot.serve.guard import PAYLOAD_KEY, Refusal, guard
from bot.serve.gunicorn_app import GunicornApp, gunicorn_options
from bot.serve.health import check_health
from bot.serve.metrics_endpoint import StateCollector, render_metrics
from bot.serve.request_log import record_request
from bot.serve.responder import ResponderSupervisor
from bot.serve.runtime import WEB, Runtime, build_runtime
from bot.settings import Settings
from bot.slack.preflight import BotIdentity

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
ACK_SWITCH_INTERVAL = 0.0005
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


def _refuse(refusal: Refusal, start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = json.dumps({"error": refusal.reason}).encode()
    start_response(refusal.status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _ok(start_response: Callable[..., Any], body: bytes, content_type: str) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class GuardedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI handler, handed the payload the guard parsed when Bolt's own parser found none: Bolt takes any
    form body that contains the word "payload" for an interaction and parses it to nothing, so `/scope webhook
    payload …` reached no listener and Slack showed the user an error."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        bolt_request = BoltRequest(body=request.get_body(), query=request.query_string, headers=request.get_headers())
        payload = request.environ.get(PAYLOAD_KEY)
        if payload and not bolt_request.body:
            # raw_body stays as sent, so Bolt's own signature check still sees the signed bytes.
            bolt_request.body = payload
            bolt_request.context = build_context(BoltContext(), payload)
        return self.app.dispatch(bolt_request)


def make_wsgi_app(runtime: Runtime) -> Callable[..., Iterable[bytes]]:
    """Route /healthz to a JSON status, /metrics to Prometheus and everything else to Bolt's WSGI handler, behind
    the request guard; every request to /slack/events is counted, timed and logged."""
    if runtime.app is None:
        raise ValueError("a responder runtime serves no requests")
    slack = GuardedRequestHandler(runtime.app, path=SLACK_PATH)
    verifier = SignatureVerifier(runtime.settings.slack_signing_secret)
    state = StateCollector(runtime.store, runtime.classifier.store)

    def slack_request(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        refusal = guard(environ, verifier)
        payload = environ.get(PAYLOAD_KEY) or {}
        seen: dict[str, str] = {}

        def timed_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            seen["status"] = status
            return start_response(status, headers, exc_info)

        if refusal is not None:
            log.warning("refused a request to %s: %s %s", SLACK_PATH, refusal.status, refusal.reason)
            answer = _refuse(refusal, timed_start_response)
        else:
            answer = slack(environ, timed_start_response)
        status = seen.get("status", "500")
        record_request(
            payload,
            status=int(status[:3]) if status[:3].isdigit() else 500,
            seconds=time.perf_counter() - started,
            model_version=runtime.classifier.version,
            reached_app=refusal is None,
        )
        return answer

    def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            health = check_health(store=runtime.store, classifier=runtime.classifier, tasks=runtime.task_health())
            return _ok(start_response, json.dumps(health.to_dict()).encode(), "application/json")
        if path == METRICS_PATH and method in ("GET", "HEAD"):
            return _ok(start_response, *render_metrics(state))
        if path == SLACK_PATH:
            return slack_request(environ, start_response)
        return slack(environ, start_response)

    return application


@contextmanager
def shared_metrics(metrics_dir: Path | None) -> Iterator[Path]:
    """Make this process and every one it starts (workers, the responder) record metrics into one directory, which
    /metrics sums: `metrics_dir`, or a temporary one removed afterwards. Enter it before anything counts."""
    path = metrics_dir or Path(tempfile.mkdtemp(prefix="scope-bot-metrics-"))
    use_multiprocess_dir(path)
    try:
        yield path
    finally:
        if metrics_dir is None:
            shutil.rmtree(path, ignore_errors=True)


def serve(settings: Settings, *, identity: BotIdentity, host: str, port: int, workers: int, threads: int = 8) -> None:
    """Run the HTTP server in the foreground until SIGTERM/SIGINT."""

    def build_worker_app() -> Callable[..., Iterable[bytes]]:
        # A request thread waiting for the GIL while a listener thread classifies would wait up to the default
        # 5 ms switch interval before it may acknowledge; 0.5 ms keeps acknowledgements prompt.
        sys.setswitchinterval(ACK_SWITCH_INTERVAL)
        runtime = build_runtime(settings, identity=identity, role=WEB)
        runtime.start_background()
        return make_wsgi_app(runtime)

    options = gunicorn_options(host=host, port=port, workers=workers, threads=threads)
    options["accesslog"] = None  # scope_bot.requests logs each request, with its surface and outcome
    options["child_exit"] = lambda _server, worker: process_died(worker.pid)
    logconfig = gunicorn_logconfig(settings.log_format)
    if logconfig is not None:
        options["logconfig_dict"] = logconfig
    # The responder answers the mentions the workers store, in a process of its own (see bot.serve.responder).
    responder = ResponderSupervisor()
    responder.start()
    try:
        GunicornApp(build_worker_app, options).run()
    finally:
        responder.stop()
