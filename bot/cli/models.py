"""`scope-bot models list/promote/rollback`: trained model versions."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass

from bot.cli.common import open_store
from bot.services.model_store import model_change_lock, open_model_store
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add models and its actions."""
    models = sub.add_parser("models", help="trained model versions").add_subparsers(
        dest="models_command", required=True, metavar="ACTION"
    )
    p = models.add_parser("list", help="list versions, oldest first")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=cmd_models_list)
    p = models.add_parser("promote", help="make VERSION current")
    p.add_argument("version")
    p.set_defaults(handler=cmd_models_promote)
    p = models.add_parser("rollback", help="make the previously current version current again")
    p.set_defaults(handler=cmd_models_rollback)


@dataclass(frozen=True)
class VersionRow:
    """One line of `models list` (and one object of its --json)."""

    version: str
    created_at: str
    verdict_accuracy: float | None
    label_accuracy: float | None
    current: bool
    parent_version: str | None
    gate: str | None  # passed | rejected | forced (rejected, made current with --force) | None (no gate)


def _gate(passed: bool, *, forced: bool) -> str:
    return "passed" if passed else "forced" if forced else "rejected"


def _pct(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else "-"


def cmd_models_list(args: argparse.Namespace, settings: Settings) -> int:
    """List model versions with their figures; * marks current."""
    with open_store(settings) as db:
        model_store = open_model_store(settings, db)
        current = model_store.current_version()
        manifests = model_store.versions()
    rows = []
    for m in manifests:
        gate = m.notes.get("gate") or {}
        rows.append(
            VersionRow(
                version=m.version,
                created_at=m.created_at,
                verdict_accuracy=m.metrics.verdict_accuracy if m.metrics else None,
                label_accuracy=m.metrics.label_accuracy if m.metrics else None,
                current=m.version == current,
                parent_version=m.parent_version,
                gate=None if not gate else _gate(bool(gate.get("promoted")), forced=bool(m.notes.get("forced"))),
            )
        )
    if args.json:
        print(json.dumps([asdict(r) for r in rows]))
        return 0
    if not rows:
        print(f"no model versions in {model_store.location}")
        return 0
    print(f"  {'version':24} {'created_at':25} {'verdict':>8} {'label':>7}  {'gate':8} parent")
    for r in rows:
        print(
            f"{'*' if r.current else ' '} {r.version:24} {r.created_at[:19]:25} {_pct(r.verdict_accuracy):>8} "
            f"{_pct(r.label_accuracy):>7}  {r.gate or '-':8} {r.parent_version or '-'}"
        )
    return 0


def cmd_models_promote(args: argparse.Namespace, settings: Settings) -> int:
    """Make VERSION current after checking it loads."""
    with open_store(settings) as db, model_change_lock(settings, db, action="a promotion"):
        model_store = open_model_store(settings, db)
        before = model_store.current_version()
        model_store.promote(args.version)
    print(f"model {args.version} is current (was {before or 'none'})")
    return 0


def cmd_models_rollback(args: argparse.Namespace, settings: Settings) -> int:
    """Make the previously current version current again."""
    with open_store(settings) as db, model_change_lock(settings, db, action="a rollback"):
        model_store = open_model_store(settings, db)
        before = model_store.current_version()
        previous = model_store.rollback()
    print(f"rolled back: model {previous} is current (was {before})")
    return 0
