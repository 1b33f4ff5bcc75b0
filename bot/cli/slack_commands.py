"""CLI commands of the running bot: run, serve, shell, quotes."""

from __future__ import annotations

import argparse
import json

from bot.cli.common import one_line, open_store
from bot.quotes import quote_summary
from bot.settings import Settings, require_slack
from bot.store import QUOTE_STATUSES, Store
from model.catalog import load_catalog
from model.classifier import Classifier


def register(sub: argparse._SubParsersAction) -> None:
    """Add run, serve, shell and quotes."""
    p = sub.add_parser("run", help="connect to Slack if credentials are set (Socket Mode or HTTP), else open the shell")
    p.add_argument("--port", type=int, help="HTTP port (default $PORT or 3000)")
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("serve", help="HTTP mode: /slack/events and /healthz under gunicorn")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, help="HTTP port (default $PORT or 3000)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("shell", help="interactive local shell (no Slack needed)")
    p.set_defaults(handler=cmd_shell)

    quotes = sub.add_parser("quotes", help="quote requests for staff").add_subparsers(
        dest="quotes_command", required=True, metavar="ACTION"
    )
    p = quotes.add_parser("list", help="list quote requests, newest first")
    p.add_argument("--json", action="store_true", help="one JSON array")
    p.add_argument("--status", choices=QUOTE_STATUSES)
    p.set_defaults(handler=cmd_quotes_list)
    p = quotes.add_parser("show", help="one quote request with its history")
    p.add_argument("ref", help="reference, e.g. Q-2026-0001")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_quotes_show)


def _preflight(settings: Settings, *, http: bool) -> None:
    # Fail in the foreground with one clear line instead of in every gunicorn worker.
    require_slack(settings, http=http)
    Classifier.load(settings.model_dir)
    Store.open(settings.db_url).close()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """HTTP mode under gunicorn after checking settings, model and database."""
    from bot.server import serve

    _preflight(settings, http=True)
    serve(settings, host=args.host, port=args.port or settings.port, workers=args.workers)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Slack when credentials are set (Socket Mode or HTTP), the local shell otherwise."""
    if not settings.slack_enabled:
        print("No SLACK_BOT_TOKEN set: starting the local shell (see README, 'Connect to Slack').")
        return cmd_shell(args, settings)
    if settings.slack_app_token:
        from bot.server import run_socket_mode

        _preflight(settings, http=False)
        run_socket_mode(settings)
        return 0
    args.host, args.workers = "0.0.0.0", 2
    return cmd_serve(args, settings)


def cmd_shell(args: argparse.Namespace, settings: Settings) -> int:
    """The interactive local shell."""
    from bot.shell import Shell

    with open_store(settings) as store:
        Shell(
            classifier=Classifier.load(settings.model_dir), catalog=load_catalog(settings.catalog_path), store=store
        ).run()
    return 0


def cmd_quotes_list(args: argparse.Namespace, settings: Settings) -> int:
    """Quote requests, newest first."""
    with open_store(settings) as store:
        quotes = store.quotes(status=args.status)
    if args.json:
        print(json.dumps([q.to_dict() for q in quotes], ensure_ascii=False))
        return 0
    if not quotes:
        print("no quote requests")
        return 0
    print(f"{'ref':13} {'created':25} {'status':11} {'product':9} {'requester':12} what")
    for q in quotes:
        s = quote_summary(q)
        print(
            f"{s['ref']:13} {s['created_at']:25} {s['status']:11} {s['product']:9} {s['requester_id']:12} {one_line(q.what, 60)}"
        )
    return 0


def cmd_quotes_show(args: argparse.Namespace, settings: Settings) -> int:
    """One quote request with its status history."""
    with open_store(settings) as store:
        quote = store.quote(args.ref)
        history = store.quote_history(quote.id)
    if args.json:
        print(json.dumps({**quote.to_dict(), "history": history}, ensure_ascii=False))
        return 0
    for key, value in quote.to_dict().items():
        print(f"{key:18} {value if value is not None else '-'}")
    print("history")
    for h in history:
        print(f"  {h['at']}  {h['status']:11} {h['user_id'] or '-'}")
    return 0
