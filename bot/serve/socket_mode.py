"""Socket Mode: the bot connects out to Slack over a WebSocket; no public URL needed."""

from __future__ import annotations

import time
from typing import Any

from bot.serve.metrics_endpoint import StateCollector, start_metrics_server
from bot.serve.request_log import record_request
from bot.serve.runtime import build_runtime
from bot.settings import Settings
from bot.slack.app import bot_client
from bot.slack.preflight import BotIdentity


def run_socket_mode(settings: Settings, *, identity: BotIdentity) -> None:
    """Connect to Slack over Socket Mode (no public URL) and serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response

    class CountingHandler(SocketModeHandler):
        """Counts, times and logs each request as the HTTP server does (the acknowledgement is the response)."""

        def handle(self, client: Any, req: Any) -> None:
            started = time.perf_counter()
            response = run_bolt_app(self.app, req)
            send_response(client, req, response, time.time())
            record_request(
                req.payload if isinstance(req.payload, dict) else None,
                status=response.status,
                seconds=time.perf_counter() - started,
                model_version=runtime.classifier.version,
            )

    runtime = build_runtime(settings, socket_mode=True, identity=identity)  # one process: it answers mentions too
    app = runtime.app
    if app is None:
        raise TypeError("a one-process runtime has an app")
    runtime.start_background()
    metrics_server = None
    if settings.metrics_port:
        collector = StateCollector(runtime.store, runtime.classifier.store)
        metrics_server = start_metrics_server(collector, port=settings.metrics_port)
    try:
        CountingHandler(app, app_token=settings.slack_app_token, web_client=bot_client(settings)).start()
    finally:
        if metrics_server is not None:
            metrics_server.shutdown()
        runtime.stop()
