"""`scope-bot train` and `classify`: the classifier from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import json_lines, one_line, open_store
from bot.errors import GateRejectedError
from bot.services.model_store import current_classifier, model_change_lock, open_model_store
from bot.services.retrain import retrain
from bot.services.retrain_report import format_report
from bot.settings import MODEL_STORE_DATABASE, Settings
from bot.slack.texts import percent
from model.artifacts import ModelStore
from model.catalog import load_catalog
from model.classifier import Classifier
from model.errors import ArtifactError, InputError, ModelFormatError
from model.language import detect_language
from model.version_store import VersionStore


def register(sub: argparse._SubParsersAction) -> None:
    """Add train and classify."""
    p = sub.add_parser(
        "train", help="train a model on training_data/ + accepted feedback; make it current if it passes the gate"
    )
    p.add_argument("--if-missing", action="store_true", help="do nothing when a current model loads fine")
    p.add_argument("--no-tune", action="store_true", help="skip the cross-validated hyperparameter search")
    p.add_argument("--force", action="store_true", help="make the new model current even if the gate rejects it")
    p.set_defaults(handler=cmd_train)

    p = sub.add_parser("classify", help="classify a message, or JSON Lines from stdin with --jsonl")
    p.add_argument("text", nargs="?", help="the message")
    p.add_argument("--jsonl", action="store_true", help='read {"text": ...} lines from stdin, write one JSON per line')
    p.add_argument("--model", type=Path, help="model root or version directory (default: current)")
    p.set_defaults(handler=cmd_classify)


def load_classifier(settings: Settings, path: Path | None = None) -> Classifier:
    """The classifier at `path` (a model root or version directory), or the current one of the model store."""
    if path is not None:
        return Classifier.load(path, key=settings.model_key)
    with open_store(settings) as db:
        return current_classifier(settings, db)


def _current_loads(model_store: VersionStore) -> bool:
    """True when the store has a current model that loads; a broken one fails loudly, not papered over."""
    if model_store.current_version() is None:
        return False
    try:
        Classifier.from_store(model_store)
    except ModelFormatError as exc:
        # Saved by an older scope-bot: it is not broken, just unreadable now; a new one replaces it.
        print(f"{exc}: training a new one", flush=True)
        return False
    return True


def _publish_local_model(settings: Settings, model_store: VersionStore) -> str | None:
    """Models in the database, none current yet: publish the current model of SCOPE_BOT_MODEL_DIR (the one the
    image was built with), so the first start needs no training. None when there is none that verifies."""
    files = ModelStore(settings.model_dir, key=settings.model_key)
    if settings.model_store != MODEL_STORE_DATABASE:
        return None
    try:
        version = files.current_version()
        if version is None:
            return None
        if not model_store.has(version):
            model_store.copy_from(files, version)
        model_store.promote(version)
    except ArtifactError as exc:
        print(f"not publishing the model in {settings.model_dir} ({exc}): training a new one", flush=True)
        return None
    return version


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    """Train on training_data/ + accepted feedback, save a new version, make it current if it passes the gate
    (or with --force); GateRejectedError otherwise, with the candidate kept for inspection."""
    with open_store(settings) as db:
        model_store = open_model_store(settings, db)
        if args.if_missing:
            if _current_loads(model_store):
                print(f"model {model_store.current_version()} is current; nothing to train")
                return 0
            with model_change_lock(settings, db, action="publishing the first model"):
                published = None if model_store.current_version() else _publish_local_model(settings, model_store)
            if published:
                print(f"model {published} from {settings.model_dir} is current in {model_store.location}")
                return 0
        # The same run as the nightly retrain (lock, data, gate, saving), with the CV search unless --no-tune.
        report = retrain(
            settings=settings,
            store=db,
            progress=lambda line: print(f"  {line}", flush=True),
            tune=not args.no_tune,
            force=args.force,
            source="train",
        )
    if not report.promoted:
        print(format_report(report))
        raise GateRejectedError(
            f"the gate rejected model {report.candidate_version} (kept for inspection; "
            f"{report.current_version} stays current): {report.reason}; use --force to make it current anyway"
        )
    if report.forced:
        print(format_report(report))
    print(f"model {report.candidate_version} is current")
    return 0


def _jsonl_records(stream: Any) -> list[tuple[int, str]]:
    records = []
    for number, obj in json_lines(stream.read(), source="stdin", error=InputError):
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError(f'stdin line {number}: expected an object with a string "text" key')
        if not obj["text"].strip():
            raise InputError(f"stdin line {number}: empty text")
        records.append((number, obj["text"]))
    return records


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    """Classify one message for a human, or JSON Lines from stdin for programs."""
    if args.jsonl:
        if args.text:
            raise InputError("give either TEXT or --jsonl, not both")
        records = _jsonl_records(sys.stdin)  # validate all input before any output: no half answers
        classifier = load_classifier(settings, args.model)
        for prediction in classifier.classify_many([text for _, text in records]):
            print(json.dumps(prediction.to_dict(), ensure_ascii=False))
        return 0
    if args.text is None or not args.text.strip():
        raise InputError('nothing to classify: give a message, e.g. scope-bot classify "2FA geht nicht"')
    classifier = load_classifier(settings, args.model)
    catalog = load_catalog(settings.catalog_path)
    prediction = classifier.classify(args.text)
    lang = detect_language(args.text)
    row = catalog.row(prediction.label)
    product = catalog.product_name(row) or "-"
    print(f"verdict      {prediction.verdict}" + (f" ({prediction.reason})" if prediction.reason else ""))
    print(f"row          {row.id}: {row.title(lang)}")
    print(f"product      {product}")
    print(f"confidence   {percent(prediction.confidence)} (threshold {classifier.threshold:.0%})")
    alternatives = ", ".join(f"{a.label} {a.probability:.0%}" for a in prediction.alternatives)
    print(f"alternatives {alternatives}")
    print(f"explanation  {', '.join(prediction.explanation) or '-'}")
    if len(prediction.parts) > 1:
        for n, part in enumerate(prediction.parts, start=1):
            print(f"part {n}       {part.verdict} {part.label} {percent(part.confidence)}: {one_line(part.text, 60)}")
    print(f"model        {prediction.model_version}")
    return 0
