"""Nightly retraining: YAML phrasings plus accepted feedback -> a candidate, gated against the current model."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.db import FeedbackItem, Store
from bot.services.model_lock import model_change_lock
from bot.services.retrain_report import (
    DEV_SET,
    EVAL_SET,
    TRAINING_SET,
    Comparison,
    Conflict,
    RetrainCounts,
    RetrainReport,
)
from bot.settings import Settings
from model.artifacts import ModelStore
from model.catalog import load_catalog
from model.classifier import Classifier
from model.data import Dataset, dataset_from_pairs, load_dev_set, load_hard_set, load_training_dir
from model.errors import ModelNotFoundError
from model.evaluation import evaluate
from model.gate import GateResult, combine, decide
from model.metrics import Metrics
from model.training import save_trained, train_model

Progress = Callable[[str], None]
HELD_OUT_PERCENT = 20


def _quiet(_: str) -> None:
    pass


# --- feedback -> training and held-out examples ----------------------------------------------------------------


def text_key(text: str) -> str:
    """Identity of a feedback text: case- and whitespace-insensitive."""
    return " ".join(text.split()).casefold()


def is_held_out(key: str) -> bool:
    """Deterministic ~20 % slice by hash, so a text stays on the same side night after night."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % 100 < HELD_OUT_PERCENT


@dataclass(frozen=True)
class FeedbackSplit:
    train: tuple[tuple[str, str], ...]
    held_out: tuple[tuple[str, str], ...]
    conflicts: tuple[Conflict, ...]
    accepted: int
    in_dev: int  # texts that are dev-set phrasings: the dev set must stay untrained-on
    stale: int  # labels no longer in the catalog


def split_feedback(items: Sequence[FeedbackItem], *, dev_texts: Iterable[str], labels: Iterable[str]) -> FeedbackSplit:
    """Resolve conflicts (the last accepted label of a text wins) and split into training / held-out pairs.

    `items` must be in acceptance order, as store.feedback.accepted() returns them.
    """
    history: dict[str, list[FeedbackItem]] = {}
    for item in items:
        history.setdefault(text_key(item.text), []).append(item)
    dev_keys = {text_key(t) for t in dev_texts}
    known = set(labels)
    train: list[tuple[str, str]] = []
    held_out: list[tuple[str, str]] = []
    conflicts: list[Conflict] = []
    in_dev = stale = 0
    for key, versions in history.items():
        winner = versions[-1]
        if len({v.label for v in versions}) > 1:
            conflicts.append(
                Conflict(
                    text=winner.text,
                    labels=tuple(v.label for v in versions),
                    ids=tuple(v.id for v in versions),
                    winner=winner.label,
                    winner_id=winner.id,
                )
            )
        if key in dev_keys:
            in_dev += 1
        elif winner.label not in known:
            stale += 1
        else:
            (held_out if is_held_out(key) else train).append((winner.text, winner.label))
    return FeedbackSplit(
        train=tuple(train),
        held_out=tuple(held_out),
        conflicts=tuple(conflicts),
        accepted=len(items),
        in_dev=in_dev,
        stale=stale,
    )


# --- the service -----------------------------------------------------------------------------------------------


def _measure(classifier: Classifier, data: Dataset, label_info: Mapping[str, Mapping[str, str]]) -> Metrics:
    return evaluate(classifier.classify_many(list(data.texts), explain=False), data.labels, label_info=label_info)


def _load_current(model_store: ModelStore) -> Classifier | None:
    try:
        return Classifier.load(model_store.root, key=model_store.key)
    except ModelNotFoundError:
        # No model yet (or current points at a deleted version): the candidate is judged on its own.
        return None


def retrain(
    *,
    settings: Settings,
    store: Store,
    progress: Progress = _quiet,
    promote: Callable[[str], None] | None = None,
) -> RetrainReport:
    """Train a candidate on YAML + accepted feedback, gate it against the current model, save it, maybe promote.

    Only one run at a time (RetrainLockedError otherwise). `promote` switches `current` (default
    ModelStore.promote); a failure there leaves `current` as it was and the candidate saved.
    """
    with model_change_lock(settings.model_dir, action="a second retrain"):
        return _retrain_locked(settings=settings, store=store, progress=progress, promote=promote)


def _judge(
    *, candidate: Classifier, current: Classifier | None, checks: Mapping[str, Dataset], settings: Settings
) -> tuple[GateResult, dict[str, Comparison]]:
    """Gate the candidate on every named set; (combined result, set -> both models' figures)."""
    label_info = candidate.label_info
    measured = {
        name: Comparison(
            candidate=_measure(candidate, data, label_info),
            current=_measure(current, data, label_info) if current else None,
        )
        for name, data in checks.items()
    }
    results = {
        name: decide(
            candidate=pair.candidate,
            current=pair.current,
            tolerance=settings.gate_tolerance,
            recall_drop=settings.gate_recall_drop,
        )
        for name, pair in measured.items()
    }
    return combine(results), measured


def _retrain_locked(
    *, settings: Settings, store: Store, progress: Progress, promote: Callable[[str], None] | None
) -> RetrainReport:
    started = time.monotonic()
    model_store = ModelStore(settings.model_dir, key=settings.model_key)
    progress(f"loading catalog, training phrasings ({settings.train_dir}) and dev set ({settings.dev_path})")
    catalog = load_catalog(settings.catalog_path)
    yaml_train = load_training_dir(settings.train_dir, catalog)
    dev = load_dev_set(settings.dev_path, catalog)
    tune_set = load_hard_set(settings.hard_dev_path, catalog, split="tune")
    split = split_feedback(store.feedback.accepted(), dev_texts=dev.texts, labels=catalog.labels)
    feedback_train = dataset_from_pairs(list(split.train), catalog=catalog, source="accepted feedback")
    held_out = dataset_from_pairs(list(split.held_out), catalog=catalog, source="held-out feedback")
    progress(
        f"{len(yaml_train)} YAML phrasings, {split.accepted} accepted feedback "
        f"({len(feedback_train)} for training, {len(held_out)} held out, {len(split.conflicts)} conflicts)"
    )

    current = _load_current(model_store)
    current_version = current.version if current is not None else None
    # The current model's hyperparameters: a nightly run must not pay for a cross-validated search.
    params = current.manifest.params if current is not None and current.manifest is not None else None
    trained = train_model(
        train=yaml_train + feedback_train,
        dev=dev,
        tune_set=tune_set,
        label_info=catalog.label_info(),
        tune=False,
        params=params,
        progress=progress,
    )

    # The evaluation set alone trusts held-out feedback as truth, so poisoned feedback would vouch for itself;
    # the curated dev set and YAML phrasings, which feedback cannot change, must hold up as well.
    checks = {EVAL_SET: dev + held_out, DEV_SET: dev, TRAINING_SET: yaml_train}
    if not len(held_out):
        del checks[DEV_SET]  # identical to the evaluation set
    progress(f"evaluating candidate and current model on {', '.join(f'{n} ({len(d)})' for n, d in checks.items())}")
    gate, measured = _judge(candidate=trained.classifier, current=current, checks=checks, settings=settings)
    trained.notes = {
        "source": "retrain",
        "gate": gate.to_dict(),
        "feedback_used": len(feedback_train),
        "feedback_held_out": len(held_out),
        "eval_examples": len(checks[EVAL_SET]),
    }
    # Saved before any switch: a rejected candidate stays for inspection, a crash below leaves `current` alone.
    manifest = save_trained(model_store, trained, parent_version=current_version)
    progress(f"saved candidate {manifest.version}; gate: {'pass' if gate.promoted else 'reject'}")
    if gate.promoted:
        (promote or model_store.promote)(manifest.version)
        progress(f"promoted {manifest.version} to current")
    pruned = model_store.prune(settings.keep_versions)

    return RetrainReport(
        promoted=gate.promoted,
        candidate_version=manifest.version,
        current_version=current_version,
        reason=gate.reason,
        evaluation=measured[EVAL_SET],
        checks={name: pair for name, pair in measured.items() if name != EVAL_SET},
        counts=RetrainCounts(
            yaml_examples=len(yaml_train),
            dev_examples=len(dev),
            eval_examples=len(checks[EVAL_SET]),
            feedback_accepted=split.accepted,
            feedback_used=len(feedback_train),
            feedback_held_out=len(held_out),
            feedback_in_dev_set=split.in_dev,
            feedback_stale_label=split.stale,
            conflicts=len(split.conflicts),
        ),
        conflicts=split.conflicts,
        worse_rows=gate.worse_rows,
        pruned=tuple(pruned),
        seconds=round(time.monotonic() - started, 2),
    )
