"""HTTP benchmark baseline: a bare Bolt app (empty handlers) under the same gunicorn set-up as `scope-bot serve`.

    python benchmarks/bare_server.py --host 127.0.0.1 --port 8081 --workers 2

Reads SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_API_URL from the environment (the fake Slack). The gunicorn
options and application are bot.serve.http.serve's own (bot.serve.gunicorn_app).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from bot.serve.gunicorn_app import GunicornApp, gunicorn_options

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
THREADS = 8  # bot.serve.http.serve's default


def make_bare_wsgi_app() -> Callable[..., Iterable[bytes]]:
    """A Bolt App with token verification against SLACK_API_URL, an `ack()`-only mention and /scope handler."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], logger=logging.getLogger("bare.bolt"))

    @app.event("app_mention")
    def on_mention(ack: Any) -> None:
        ack()

    @app.command("/scope")
    def on_scope(ack: Any) -> None:
        ack()

    slack = SlackRequestHandler(app, path=SLACK_PATH)

    def application(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            body = json.dumps({"status": "ok"}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return application


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    GunicornApp(
        make_bare_wsgi_app, gunicorn_options(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    ).run()


if __name__ == "__main__":
    main()
