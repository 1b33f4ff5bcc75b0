"""`scope-bot outbox list/retry`: Slack calls waiting, parked by an auth or channel error, or failed."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from bot.cli.common import open_store
from bot.db.outbox import DONE, FAILED, PARKED, PENDING
from bot.db.timestamps import json_ready, shown
from bot.errors import ValidationError
from bot.settings import Settings

STATES = (PENDING, PARKED, FAILED, DONE)


def register(sub: argparse._SubParsersAction) -> None:
    """Add outbox and its actions."""
    outbox = sub.add_parser("outbox", help="queued Slack calls").add_subparsers(
        dest="outbox_command", required=True, metavar="ACTION"
    )
    p = outbox.add_parser("list", help="queued calls not yet delivered (pending, parked, failed)")
    p.add_argument("--state", choices=STATES, action="append", help="only these states (repeatable)")
    p.add_argument("--json", action="store_true", help="one JSON array")
    p.set_defaults(handler=cmd_outbox_list)
    p = outbox.add_parser("retry", help="send parked or failed calls again (after fixing the token or channel)")
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="outbox ids (see 'outbox list')")
    p.add_argument("--all", action="store_true", help="every parked or failed call")
    p.set_defaults(handler=cmd_outbox_retry)


def cmd_outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    """Queued calls, oldest first."""
    with open_store(settings) as store:
        entries = store.outbox.entries(states=args.state or (PENDING, PARKED, FAILED))
    if args.json:
        print(json.dumps([json_ready(asdict(e)) for e in entries], ensure_ascii=False))
        return 0
    if not entries:
        print("no queued Slack calls")
        return 0
    print(f"{'id':>6} {'state':8} {'attempts':>8} {'purpose':22} {'next attempt':25} last error")
    for e in entries:
        error = " ".join((e.last_error or "-").split())[:60]
        print(f"{e.id:>6} {e.state:8} {e.attempts:>8} {e.purpose:22} {shown(e.next_attempt_at):25} {error}")
    return 0


def cmd_outbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    """Make parked or failed calls due now; the running bot sends them within a second."""
    if bool(args.ids) == bool(args.all):
        raise ValidationError("give outbox ids or --all (not both)")
    with open_store(settings) as store:
        count = store.outbox.requeue(None if args.all else args.ids)
    if args.ids and count < len(set(args.ids)):
        print(f"re-queued {count} of {len(set(args.ids))}: the others are delivered, pending or unknown")
        return 1 if count == 0 else 0
    print(f"re-queued {count} call(s); the running bot sends them within a second")
    return 0
