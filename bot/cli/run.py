"""`scope-bot run`, `serve` and `respond`: connect the bot to Slack (Socket Mode, or HTTP under gunicorn with a
responder process beside the workers)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.shell import cmd_shell
from bot.db import Store
from bot.errors import ConfigError
from bot.serve.live_model import LiveClassifier
from bot.services.model_store import open_model_store
from bot.settings import Settings, require_slack
from bot.slack.preflight import BotIdentity, require_slack_works


def register(sub: argparse._SubParsersAction) -> None:
    """Add run and serve."""
    p = sub.add_parser("run", help="connect to Slack if credentials are set (Socket Mode or HTTP), else open the shell")
    p.add_argument("--port", type=int, help="HTTP port (default $PORT or 3000)")
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("serve", help="HTTP mode: /slack/events and /healthz under gunicorn")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, help="HTTP port (default $PORT or 3000)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("respond", help="answer stored mentions and deliver queued Slack calls (serve starts it)")
    p.set_defaults(handler=cmd_respond)


def _preflight(settings: Settings, *, http: bool) -> BotIdentity:
    # Fail in the foreground with one clear line instead of in every gunicorn worker; the token is verified here,
    # once, so that a worker's boot never depends on Slack answering.
    require_slack(settings, http=http)
    identity, checks = require_slack_works(settings)
    for check in checks:
        if not check.ok:
            print(f"scope-bot: warning: {check.detail}", file=sys.stderr)
    store = Store.open(settings.db_url)
    try:
        model = LiveClassifier(open_model_store(settings, store))  # falls back if `current` does not load
    finally:
        store.close()
    if model.degraded:
        print(f"scope-bot: warning: {model.degraded}", file=sys.stderr)
    return identity


def cmd_respond(args: argparse.Namespace, settings: Settings) -> int:
    """The responder alone: answers the mentions web workers stored, delivers and retries the outbox."""
    from bot.serve.responder import run_responder

    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    run_responder(settings)
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """HTTP mode under gunicorn after checking settings, model and database."""
    from bot.serve.http import serve, shared_metrics

    identity = _preflight(settings, http=True)  # counts nothing: prometheus_client is not imported yet
    with shared_metrics(settings.metrics_dir):
        serve(settings, identity=identity, host=args.host, port=args.port or settings.port, workers=args.workers)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Slack when credentials are set (Socket Mode or HTTP), the local shell otherwise."""
    if not settings.slack_enabled:
        print("No SLACK_BOT_TOKEN set: starting the local shell (see README, 'Connect to Slack').")
        return cmd_shell(args, settings)
    if settings.slack_app_token:
        from bot.serve.socket_mode import run_socket_mode

        run_socket_mode(settings, identity=_preflight(settings, http=False))
        return 0
    args.host, args.workers = "0.0.0.0", 2
    return cmd_serve(args, settings)
