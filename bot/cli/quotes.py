"""`scope-bot quotes list/show`: quote requests for staff."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from bot.cli.common import one_line, open_store
from bot.db import QUOTE_STATUSES
from bot.services.quotes import quote_summary
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add quotes and its actions."""
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


def cmd_quotes_list(args: argparse.Namespace, settings: Settings) -> int:
    """Quote requests, newest first."""
    with open_store(settings) as store:
        quotes = store.quotes.find(status=args.status)
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
            f"{s['ref']:13} {s['created_at']:25} {s['status']:11} {s['product']:9} {s['requester_id']:12} "
            f"{one_line(q.what, 60)}"
        )
    return 0


def cmd_quotes_show(args: argparse.Namespace, settings: Settings) -> int:
    """One quote request with its status history."""
    with open_store(settings) as store:
        quote = store.quotes.get(args.ref)
        history = store.quotes.history(quote.id)
    if args.json:
        print(json.dumps({**quote.to_dict(), "history": [asdict(h) for h in history]}, ensure_ascii=False))
        return 0
    for key, value in quote.to_dict().items():
        print(f"{key:18} {value if value is not None else '-'}")
    print("history")
    for h in history:
        print(f"  {h.at}  {h.status:11} {h.user_id or '-'}")
    return 0
