"""`scope-bot feedback add/list/import/export/review/discard`: staff corrections that teach the model."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from bot.cli.common import CLI_USER, json_lines, one_line, open_store
from bot.cli.review_queue import cmd_review_uncertain
from bot.db import FEEDBACK_STATUSES, FeedbackItem, Store
from bot.db.timestamps import shown
from bot.errors import ValidationError
from bot.services.feedback import check_label, discard_feedback, import_feedback, record_feedback, review_feedback
from bot.services.feedback_audit import load_auditor
from bot.services.review_queue import QUEUE_DAYS, QUEUE_ITEMS
from bot.settings import Settings
from model.catalog import Catalog, load_catalog


def register(sub: argparse._SubParsersAction) -> None:
    """Add feedback and its actions."""
    feedback = sub.add_parser("feedback", help="staff corrections that teach the model").add_subparsers(
        dest="feedback_command", required=True, metavar="ACTION"
    )
    p = feedback.add_parser("add", help="add a correction (accepted at once unless the audit flags it)")
    p.add_argument("--label", required=True, help="row id (or 'none') the text belongs to")
    p.add_argument("--text", required=True, help="the message text")
    p.set_defaults(handler=cmd_feedback_add)
    p = feedback.add_parser("list", help="list feedback, oldest first")
    p.add_argument("--status", choices=FEEDBACK_STATUSES, help="only items with this status")
    p.add_argument("--flagged", action="store_true", help="only items the audit flagged")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=cmd_feedback_list)
    p = feedback.add_parser("import", help="import feedback from JSON Lines or CSV (columns text,label)")
    p.add_argument("file", type=Path)
    p.add_argument(
        "--force", action="store_true", help="import even if most items contradict the model (they wait for review)"
    )
    p.set_defaults(handler=cmd_feedback_import)
    p = feedback.add_parser("export", help="print accepted feedback as JSON Lines")
    p.set_defaults(handler=cmd_feedback_export)
    p = feedback.add_parser("review", help="accept or discard pending feedback (interactive without options)")
    action = p.add_mutually_exclusive_group()
    action.add_argument("--accept", type=int, nargs="+", metavar="ID", help="accept pending (or flagged) items")
    action.add_argument("--discard", type=int, nargs="+", metavar="ID", help="discard pending items")
    action.add_argument(
        "--uncertain", action="store_true", help="answer the messages the model was least sure of (interactive)"
    )
    p.add_argument(
        "--days", type=int, default=QUEUE_DAYS, help=f"with --uncertain: how far back (default {QUEUE_DAYS})"
    )
    p.add_argument("--limit", type=int, default=QUEUE_ITEMS, help=f"with --uncertain: at most (default {QUEUE_ITEMS})")
    p.add_argument("--by", help="with --uncertain: who decides (default: $USER)")
    p.set_defaults(handler=cmd_feedback_review)
    p = feedback.add_parser("discard", help="withdraw accepted feedback: the next training no longer uses it")
    p.add_argument("ids", type=int, nargs="+", metavar="ID")
    p.add_argument("--by", help="who withdraws it (default: $USER)")
    p.set_defaults(handler=cmd_feedback_discard)


def _status(item: FeedbackItem) -> str:
    if item.status == "pending" and item.flagged:
        return f"feedback #{item.id} flagged for review ({item.flag_reason})"
    return f"feedback #{item.id} {item.status}"


def cmd_feedback_add(args: argparse.Namespace, settings: Settings) -> int:
    """Store one trusted correction from the CLI."""
    catalog = load_catalog(settings.catalog_path)
    with open_store(settings) as store:
        item, _ = record_feedback(
            store,
            catalog=catalog,
            text=args.text,
            label=args.label,
            source="cli",
            trusted=True,
            user_id=CLI_USER,
            auditor=load_auditor(settings, store),
        )
    print(f"{_status(item)}: {item.label} <- {one_line(item.text)}")
    return 0


def cmd_feedback_list(args: argparse.Namespace, settings: Settings) -> int:
    """List feedback, oldest first."""
    with open_store(settings) as store:
        items = store.feedback.find(status=args.status, flagged=args.flagged)
    if args.json:
        print(json.dumps([i.to_dict() for i in items], ensure_ascii=False))
        return 0
    if not items:
        print("no feedback" + (f" with status {args.status}" if args.status else ""))
        return 0
    for i in items:
        flag = "!" if i.flagged else " "  # contradicted a confident prediction when it came in
        print(f"#{i.id:<5} {i.status:9} {flag} {i.label:34} {i.source:7} {one_line(i.text, 60)}")
    return 0


def _pair(record: Any, catalog: Catalog, where: str) -> dict[str, str]:
    if not isinstance(record, dict):
        raise ValidationError(f'{where}: expected an object with "text" and "label"')
    text, label = record.get("text"), record.get("label")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(f"{where}: missing or empty text")
    if not isinstance(label, str):
        raise ValidationError(f"{where}: missing label")
    try:
        label = check_label(catalog, label)
    except ValidationError as exc:
        raise ValidationError(f"{where}: {exc}") from exc
    return {"text": text.strip(), "label": label}


def _read_jsonl(path: Path, text: str, catalog: Catalog) -> list[dict[str, str]]:
    return [
        _pair(record, catalog, f"{path} line {number}")
        for number, record in json_lines(text, source=str(path), error=ValidationError)
    ]


def _read_csv(path: Path, text: str, catalog: Catalog) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not {"text", "label"} <= {f.strip() for f in reader.fieldnames}:
        raise ValidationError(f"{path} line 1: CSV header must name the columns text,label")
    pairs = []
    try:
        for row in reader:
            clean = {(k or "").strip(): v for k, v in row.items()}
            pairs.append(_pair(clean, catalog, f"{path} line {reader.line_num}"))
    except csv.Error as exc:
        raise ValidationError(f"{path} line {reader.line_num}: invalid CSV ({exc})") from exc
    return pairs


def read_feedback_file(path: Path, catalog: Catalog) -> list[dict[str, str]]:
    """All (text, label) records of a JSON Lines or CSV file, validated; ValidationError names the first bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets like to write a BOM
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text") from exc
    first = text.lstrip()[:1]
    is_jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or (path.suffix.lower() != ".csv" and first == "{")
    pairs = _read_jsonl(path, text, catalog) if is_jsonl else _read_csv(path, text, catalog)
    if not pairs:
        raise ValidationError(f"{path}: no feedback records")
    return pairs


def cmd_feedback_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import JSON Lines or CSV corrections; all lines are checked, and audited, before any is stored."""
    catalog = load_catalog(settings.catalog_path)
    pairs = read_feedback_file(args.file, catalog)  # every line checked before anything is written
    with open_store(settings) as store:
        auditor = load_auditor(settings, store)
        result = import_feedback(
            store,
            [(p["text"], p["label"]) for p in pairs],
            auditor=auditor,
            user=CLI_USER,
            where=str(args.file),
            force=args.force,
        )
    audited = "" if result.audited else " (not audited: no current model)"
    print(
        f"imported {result.accepted + result.flagged} feedback item(s) from {args.file}: {result.accepted} accepted, "
        f"{result.flagged} flagged for review{audited}"
    )
    return 0


def cmd_feedback_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write accepted feedback as JSON Lines to stdout."""
    with open_store(settings) as store:
        items = store.feedback.accepted()
    for i in items:
        print(
            _jsonl(
                {
                    "text": i.text,
                    "label": i.label,
                    "id": i.id,
                    "source": i.source,
                    "created_at": i.created_at.isoformat(),
                }
            )
        )
    return 0


def _jsonl(record: dict[str, Any]) -> str:
    # U+2028/U+2029 are valid raw in JSON but are line breaks to many line readers (str.splitlines among them).
    return json.dumps(record, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _review(store: Store, feedback_id: int, *, accept: bool) -> None:
    item, changed = review_feedback(store, feedback_id, accept=accept, reviewer=CLI_USER)
    if changed:
        print(f"feedback #{item.id} {item.status}: {item.label} <- {one_line(item.text)}")
    elif item.status == "accepted":
        print(f"feedback #{item.id} was already accepted; unchanged (withdraw it with `feedback discard {item.id}`)")
    else:
        print(f"feedback #{item.id} was already {item.status}; unchanged")


def _ask(item: FeedbackItem) -> str:
    print(f"\n#{item.id} from {item.user_id or '?'} via {item.source} at {shown(item.created_at)}")
    print(f"  text:      {item.text}")
    print(f"  predicted: {item.predicted_label or '-'}")
    print(f"  label:     {item.label}")
    if item.flagged:
        print(f"  flagged:   {item.flag_reason}")
    while True:
        try:
            answer = input("[a]ccept, [d]iscard, [s]kip, [q]uit? ").strip().lower()
        except EOFError:
            return "q"  # no more input (piped or closed): stop without touching the rest
        if answer[:1] in ("a", "d", "s", "q"):
            return answer[:1]
        print("please answer a, d, s or q")


def cmd_feedback_review(args: argparse.Namespace, settings: Settings) -> int:
    """Accept or discard pending feedback, interactively or by id; or answer the uncertain queue."""
    if args.uncertain:
        return cmd_review_uncertain(args, settings)
    with open_store(settings) as store:
        if args.accept is not None or args.discard is not None:
            for feedback_id in args.accept if args.accept is not None else args.discard:
                _review(store, feedback_id, accept=args.accept is not None)
            return 0
        pending = store.feedback.find(status="pending")
        if not pending:
            print("no pending feedback")
            return 0
        done = 0
        for item in pending:
            answer = _ask(item)
            if answer == "q":
                break
            if answer in ("a", "d"):
                _review(store, item.id, accept=answer == "a")
                done += 1
        print(f"reviewed {done} of {len(pending)} pending item(s)")
    return 0


def cmd_feedback_discard(args: argparse.Namespace, settings: Settings) -> int:
    """Withdraw feedback items, recording who did it and when."""
    by = args.by or os.environ.get("USER") or CLI_USER
    with open_store(settings) as store:
        for feedback_id in args.ids:
            item, changed = discard_feedback(store, feedback_id, by=by)
            if changed:
                print(f"feedback #{item.id} discarded by {by}: {item.label} <- {one_line(item.text)}")
            else:
                print(f"feedback #{item.id} was already discarded; unchanged")
    return 0
