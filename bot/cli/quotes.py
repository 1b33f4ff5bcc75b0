"""`scope-bot quotes list/show/set`: quote requests for staff."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from bot.cli.common import CLI_USER, one_line, open_store
from bot.db import QUOTE_STATUSES, Store
from bot.db.outbox import FAILED, PENDING
from bot.db.timestamps import json_ready, shown
from bot.services.quotes import DECISIONS, QUOTE_PURPOSES, QuoteDecision, quote_summary, set_quote_status
from bot.settings import Settings
from model.catalog import load_catalog


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
    p = quotes.add_parser(
        "set", help="record a decision, as the staff buttons do: the staff post is updated and the requester told"
    )
    p.add_argument("ref", help="reference, e.g. Q-2026-0001")
    p.add_argument("status", choices=DECISIONS, help="accepted: the customer accepted the quote (paid work)")
    p.add_argument(
        "--by", default=CLI_USER, metavar="USER", help=f"who decided, e.g. a Slack user id (default {CLI_USER})"
    )
    p.set_defaults(handler=cmd_quotes_set)


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
            f"{s['ref']:13} {shown(s['created_at']):25} {s['status']:11} {s['product']:9} {s['requester_id']:12} "
            f"{one_line(q.what, 60)}"
        )
    return 0


def cmd_quotes_show(args: argparse.Namespace, settings: Settings) -> int:
    """One quote request with its status history."""
    with open_store(settings) as store:
        quote = store.quotes.get(args.ref)
        history = store.quotes.history(quote.id)
    if args.json:
        print(json.dumps({**quote.to_dict(), "history": [json_ready(asdict(h)) for h in history]}, ensure_ascii=False))
        return 0
    for key, value in quote.to_dict().items():
        print(f"{key:18} {value if value is not None else '-'}")
    print("history")
    for h in history:
        print(f"  {shown(h.at)}  {h.status:11} {h.user_id or '-'}")
    return 0


def cmd_quotes_set(args: argparse.Namespace, settings: Settings) -> int:
    """Change a request's status by the rules of the staff buttons; announce it through the outbox."""
    from bot.slack.announcements import status_calls

    catalog = load_catalog(settings.catalog_path)
    with open_store(settings) as store:
        decision = set_quote_status(
            store, ref=args.ref, status=args.status, staff_user=args.by, announce=status_calls(catalog=catalog)
        )
        quote = decision.quote
        if not decision.changed and quote.status == args.status:
            print(f"{quote.ref} is already {quote.status}; nothing changed")
            return 0
        if not decision.changed:  # another decision came in between reading and writing
            print(f"scope-bot: error: {quote.ref} was just set to {quote.status}; nothing changed", file=sys.stderr)
            return 1
        print(f"{quote.ref}: {args.status} (by {args.by})")
        _announce(settings, store=store, decision=decision)
    return 0


def _announce(settings: Settings, *, store: Store, decision: QuoteDecision) -> None:
    """With a bot token, send the queued staff post update and requester notice now; else, or if Slack fails,
    the running bot's outbox delivers them."""
    if not settings.slack_bot_token:
        print("queued the staff post update and the requester's notice; the running bot delivers them", file=sys.stderr)
        return
    from bot.slack.announcements import deliver_quote_calls, make_outbox
    from bot.slack.app import bot_client

    outbox = make_outbox(store, bot_client(settings, retries=False), settings=settings)
    deliver_quote_calls(outbox, decision.quote)
    undelivered = store.outbox.entries(states=(PENDING, FAILED), purposes=QUOTE_PURPOSES)
    waiting = [e for e in undelivered if e.purpose_id == decision.quote.id]
    if waiting:
        print(
            f"scope-bot: warning: {len(waiting)} Slack call(s) not sent yet; the running bot retries", file=sys.stderr
        )
    else:
        print("staff post updated and requester told", file=sys.stderr)
