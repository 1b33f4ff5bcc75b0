"""`scope-bot evaluate`: the model's figures on the dev set, on the hard dev set (per kind), and the ablation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.model import load_classifier
from bot.settings import Settings
from model.ablation import ablation, format_ablation
from model.calibration import calibration, save_reliability_png
from model.catalog import load_catalog
from model.classifier import Classifier
from model.data import SPLITS, load_dev_set, load_hard_set, load_training_dir
from model.evaluation import evaluate, format_report, save_confusion_png
from model.hard_metrics import format_hard_report, measure_hard
from model.scoring import expected_for_label, raw_correct


def register(sub: argparse._SubParsersAction) -> None:
    """Add evaluate."""
    p = sub.add_parser("evaluate", help="score the current model on the dev set, or the hard dev set with --hard")
    p.add_argument("--model", type=Path, help="model root or version directory (default: current)")
    p.add_argument("--data", type=Path, help="labelled set in the dev.yml format (default: training_data/dev.yml)")
    p.add_argument("--hard", action="store_true", help="the hard dev set (training_data/hard_dev.yml), per kind")
    p.add_argument("--split", choices=[*SPLITS, "all"], default="test", help="part of the hard set (default: test)")
    p.add_argument(
        "--ablation", action="store_true", help="train the model with each step switched off, scored on tune"
    )
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(handler=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    """Score a model: report, JSON, confusion matrix and reliability diagram PNGs."""
    if args.ablation:
        return _ablation(args, settings)
    classifier = load_classifier(settings, args.model)
    if args.hard:
        return _hard(args, settings, classifier)
    catalog = load_catalog(settings.catalog_path)
    path = args.data or settings.dev_path
    data = load_dev_set(path, catalog)
    predictions = classifier.classify_many(list(data.texts))
    metrics = evaluate(predictions, data.labels, label_info=classifier.label_info)
    raw = classifier.predictions(classifier.score_texts(list(data.texts)), explain=False, threshold=0.0)
    reliability = calibration(
        [p.confidence for p in raw],
        [raw_correct(p, expected_for_label(t, classifier.label_info)) for p, t in zip(raw, data.labels, strict=True)],
    )
    title = f"scope-bot {classifier.version} on {path.name}"
    confusion_png = save_confusion_png(
        metrics.confusion, settings.reports_dir / f"confusion-{classifier.version}.png", title=title
    )
    reliability_png = save_reliability_png(
        reliability, settings.reports_dir / f"reliability-{classifier.version}.png", title=title
    )
    if args.json:
        print(
            json.dumps(
                {
                    "version": classifier.version,
                    "threshold": classifier.threshold,
                    "confusion_png": str(confusion_png),
                    "reliability_png": str(reliability_png),
                    "ece": reliability.ece,
                    **metrics.to_dict(),
                }
            )
        )
        return 0
    print(f"model {classifier.version} (unsure threshold {classifier.threshold:.2f}) on {path}")
    print(format_report(metrics))
    print(f"\nexpected calibration error {reliability.ece:.3f} (verdict confidence before the threshold)")
    print(f"confusion matrix image: {confusion_png}\nreliability diagram: {reliability_png}")
    return 0


def _hard(args: argparse.Namespace, settings: Settings, classifier: Classifier) -> int:
    catalog = load_catalog(settings.catalog_path)
    split = None if args.split == "all" else args.split
    examples = load_hard_set(settings.hard_dev_path, catalog, split=split)
    metrics = measure_hard(classifier, examples)
    png = save_reliability_png(
        metrics.calibration,
        settings.reports_dir / f"reliability-{classifier.version}-hard-{args.split}.png",
        title=f"scope-bot {classifier.version} on the hard set ({args.split})",
    )
    if args.json:
        print(
            json.dumps(
                {
                    "version": classifier.version,
                    "split": args.split,
                    "threshold": classifier.threshold,
                    "reliability_png": str(png),
                    **metrics.to_dict(),
                }
            )
        )
        return 0
    print(
        f"model {classifier.version} (unsure threshold {classifier.threshold:.2f}) on the hard set, split {args.split}"
    )
    print(format_hard_report(metrics))
    print(f"\nreliability diagram: {png}")
    return 0


def _ablation(args: argparse.Namespace, settings: Settings) -> int:
    catalog = load_catalog(settings.catalog_path)
    current = load_classifier(settings, args.model)
    params = current.manifest.params if current.manifest is not None else {}
    rows = ablation(
        train=load_training_dir(settings.train_dir, catalog),
        dev=load_dev_set(settings.dev_path, catalog),
        tune_set=load_hard_set(settings.hard_dev_path, catalog, split="tune"),
        label_info=catalog.label_info(),
        params=params,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    if args.json:
        print(
            json.dumps(
                [
                    {"name": r.name, "threshold": r.threshold, "hard": r.hard.to_dict(), "dev": r.dev.to_dict()}
                    for r in rows
                ]
            )
        )
        return 0
    print(f"ablation on the hard set's tune split, hyperparameters of {current.version}: {params}")
    print(format_ablation(rows))
    return 0
