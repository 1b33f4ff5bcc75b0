"""`scope-bot retrain`: the nightly retraining run, its report on stdout and, if configured, in Slack."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.common import open_store
from bot.db import OutboxCall, Store
from bot.services.retrain import retrain
from bot.services.retrain_report import format_report
from bot.settings import Settings
from bot.slack.texts import echo


def register(sub: argparse._SubParsersAction) -> None:
    """Add retrain."""
    p = sub.add_parser(
        "retrain", help="train a candidate on training data + accepted feedback; promote it if it passes the gate"
    )
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(handler=cmd_retrain)


def cmd_retrain(args: argparse.Namespace, settings: Settings) -> int:
    """Nightly retraining; exit 0 whether the candidate is promoted or rejected."""
    with open_store(settings) as store:
        # Progress goes to stderr so that stdout is exactly the report (one JSON object with --json).
        report = retrain(settings=settings, store=store, progress=lambda line: print(line, file=sys.stderr, flush=True))
        if settings.report_channel and settings.slack_bot_token:
            _post_report(settings, store=store, text=format_report(report))
    print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else format_report(report))
    return 0  # a rejected candidate is a normal outcome, not an error


def _post_report(settings: Settings, *, store: Store, text: str) -> None:
    """Post the report to SCOPE_BOT_REPORT_CHANNEL through the outbox: if Slack fails, the running bot retries."""
    from slack_sdk import WebClient

    from bot.slack.announcements import make_outbox

    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    # The report quotes feedback texts users wrote: escaped, so none can ping anyone from the report channel, and
    # neutralized, so no ``` in them can close the code block and format the rest.
    text = f"scope-bot nightly retraining\n```{echo(text[:3500])}```"
    call = OutboxCall(
        method="chat.postMessage", payload={"channel": settings.report_channel, "text": text}, purpose="retrain_report"
    )
    if not make_outbox(store, client, settings=settings).send(call):
        print("scope-bot: warning: retrain report not posted yet; the running bot retries it", file=sys.stderr)
