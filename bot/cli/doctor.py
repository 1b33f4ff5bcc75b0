"""`scope-bot doctor`: a checklist of what the bot needs (settings, Slack, model, database, outbox), one line each."""

from __future__ import annotations

import argparse

from bot.cli.common import open_store
from bot.db import Store
from bot.errors import BotError
from bot.services.model_store import open_model_store
from bot.settings import Settings
from bot.slack.preflight import Check, slack_checks
from model.classifier import Classifier
from model.errors import ScopeModelError


def register(sub: argparse._SubParsersAction) -> None:
    """Add doctor."""
    p = sub.add_parser("doctor", help="check settings, Slack token and channels, model, database and outbox")
    p.set_defaults(handler=cmd_doctor)


def _model(settings: Settings) -> Check:
    try:
        with open_store(settings) as db:
            model_store = open_model_store(settings, db)
            classifier = Classifier.from_store(model_store)
    except (ScopeModelError, BotError) as exc:
        return Check("model", False, f"{exc}")
    detail = f"{classifier.version} (threshold {classifier.threshold:.2f}) in {model_store.location}"
    return Check("model", True, detail)


def _database(settings: Settings) -> list[Check]:
    try:
        store = Store.open(settings.db_url)
    except BotError as exc:
        return [Check("database", False, f"SCOPE_BOT_DB: {exc}")]
    try:
        outbox = store.outbox
        pending, parked, failed = outbox.pending_count(), outbox.parked_count(), outbox.failed_count()
    finally:
        store.close()
    detail = f"{pending} Slack call(s) waiting ({parked} parked by an auth or channel error), {failed} failed"
    if parked or failed:
        detail += "; see 'scope-bot outbox list', then 'scope-bot outbox retry --all'"
    backlog = Check("outbox", parked == 0 and failed == 0, detail, fatal=False)
    return [Check("database", True, settings.db_url.split("@")[-1]), backlog]


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    """Print the checklist; exit 1 when the bot could not work."""
    checks = [Check("settings", True, "read from the environment and .env")]
    if settings.slack_enabled:
        checks += slack_checks(settings)
    else:
        checks.append(Check("slack", True, "no SLACK_BOT_TOKEN: `scope-bot run` opens the local shell", fatal=False))
    checks += [_model(settings), *_database(settings)]
    for check in checks:
        mark = "ok  " if check.ok else ("FAIL" if check.fatal else "warn")
        print(f"{mark} {check.name:26} {check.detail}")
    return 1 if any(not c.ok and c.fatal for c in checks) else 0
