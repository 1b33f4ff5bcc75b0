"""`scope-bot feedback review --uncertain`: the week's messages the model was least sure of, one at a time; the
chosen row becomes accepted feedback (as App Home's "Hardest messages this week")."""

from __future__ import annotations

import argparse
import os

from bot.cli.common import CLI_USER, one_line, open_store
from bot.db.timestamps import shown
from bot.errors import ValidationError
from bot.services.feedback import check_label
from bot.services.feedback_audit import load_auditor
from bot.services.review_queue import QueueItem, QueueResult, answer_queue_item, skip_queue_item, uncertain_queue
from bot.settings import Settings
from model.catalog import Catalog, load_catalog

SKIP, NEXT, QUIT = "s", "n", "q"


def _printable(text: str, width: int = 500) -> str:
    """User text for the terminal: control characters (escape sequences) shown as spaces, on one line."""
    return one_line("".join(c if c.isprintable() else " " for c in text), width)


def _show(item: QueueItem, *, catalog: Catalog, position: str) -> None:
    said = item.verdict + (f" ({item.reason})" if item.reason else "")
    if item.part is not None:
        said += f", asking about request {item.part + 1} (the least sure)"
    margin = "unknown" if item.margin is None else f"{item.margin:.2f}"
    print(f"\n[{position}] verdict #{item.verdict_id} at {shown(item.created_at)} · margin {margin}")
    print(f"  text:     {_printable(item.text)}")
    print(f"  bot said: {said}: {item.label}")
    for n, candidate in enumerate(item.candidates, start=1):
        probability = "   " if candidate.probability is None else f"{candidate.probability:.0%}".rjust(3)
        print(f"  {n}) {probability}  {candidate.label:34} {catalog.row(candidate.label).title('en')}")


def _ask(item: QueueItem, *, catalog: Catalog) -> str:
    """A label, or SKIP, NEXT or QUIT; asks again after bad input, QUIT at the end of input."""
    count = len(item.candidates)
    hint = f"answer 1-{count}, a row id, s (skip: not useful), n (next: decide later) or q (quit)"
    while True:
        try:
            answer = input(f"row 1-{count} or row id, [s]kip, [n]ext, [q]uit? ").strip().lower()
        except EOFError:
            return QUIT  # no more input (piped or closed): stop without touching the rest
        if answer in (SKIP, NEXT, QUIT):
            return answer
        if answer.isdigit():
            if 1 <= int(answer) <= count:
                return item.candidates[int(answer) - 1].label
            print(f"no row {answer}: {hint}")
            continue
        try:
            return check_label(catalog, answer)
        except ValidationError:
            print(f"unknown row {_printable(answer, 40)!r}: {hint}")


def _report(result: QueueResult, *, by: str) -> None:
    decision = result.decision
    if not result.decided:
        print(f"verdict #{decision.verdict_id} was already {decision.outcome} by {decision.decided_by}; unchanged")
    elif result.feedback is not None:
        print(f"feedback #{result.feedback.id} accepted by {by}: {result.feedback.label}")
    else:
        print(f"verdict #{decision.verdict_id} skipped by {by}")


def cmd_review_uncertain(args: argparse.Namespace, settings: Settings) -> int:
    """Walk the uncertain review queue interactively."""
    by = args.by or os.environ.get("USER") or CLI_USER
    catalog = load_catalog(settings.catalog_path)
    with open_store(settings) as store:
        items = uncertain_queue(store, days=args.days, limit=args.limit)
        if not items:
            print(f"no uncertain messages to review in the last {args.days} day(s)")
            return 0
        auditor = load_auditor(settings, store)
        answered = skipped = 0
        for n, item in enumerate(items, start=1):
            _show(item, catalog=catalog, position=f"{n}/{len(items)}")
            choice = _ask(item, catalog=catalog)
            if choice == QUIT:
                break
            if choice == NEXT:
                continue
            if choice == SKIP:
                result = skip_queue_item(store, verdict_id=item.verdict_id, reviewer=by)
            else:
                result = answer_queue_item(
                    store, catalog=catalog, verdict_id=item.verdict_id, label=choice, reviewer=by, auditor=auditor
                )
            _report(result, by=by)
            if result.decided and result.feedback is not None:
                answered += 1
            elif result.decided:
                skipped += 1
        print(f"answered {answered}, skipped {skipped} of {len(items)} uncertain message(s)")
    return 0
