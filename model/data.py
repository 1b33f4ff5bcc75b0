"""Loading labelled phrasings: the training files, the dev evaluation set, and extra (feedback) examples."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from model.catalog import Catalog
from model.errors import TrainingDataError


@dataclass(frozen=True)
class Dataset:
    texts: tuple[str, ...]
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.texts)

    def __add__(self, other: Dataset) -> Dataset:
        return Dataset(texts=self.texts + other.texts, labels=self.labels + other.labels)

    def counts(self) -> dict[str, int]:
        """Number of examples per label."""
        out: dict[str, int] = {}
        for label in self.labels:
            out[label] = out.get(label, 0) + 1
        return out

    def fingerprint(self) -> str:
        """sha256 over the (text, label) pairs: identifies the data a model was trained on."""
        digest = hashlib.sha256()
        for text, label in zip(self.texts, self.labels, strict=True):
            digest.update(json.dumps([text, label], ensure_ascii=False).encode("utf-8"))
            digest.update(b"\n")
        return digest.hexdigest()


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TrainingDataError(f"{path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{path}: invalid YAML ({exc})") from exc


def _check_examples(examples: Any, where: str) -> list[str]:
    if not isinstance(examples, list) or not examples:
        raise TrainingDataError(f"{where}: must be a non-empty list of strings")
    for i, text in enumerate(examples):
        if not isinstance(text, str) or not text.strip():
            raise TrainingDataError(f"{where}[{i}]: must be a non-empty string")
    return examples


def _check_label(label: Any, catalog: Catalog, where: str) -> str:
    if label not in catalog.labels:
        raise TrainingDataError(f"{where}: unknown label {label!r} (not a row id in {catalog.source} and not 'none')")
    return label


def load_training_dir(directory: Path | str, catalog: Catalog) -> Dataset:
    """Read every `*.yml` in `directory` (each `{label, examples}`); every catalog label must have examples."""
    directory = Path(directory)
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise TrainingDataError(f"{directory}: no *.yml training files")
    texts: list[str] = []
    labels: list[str] = []
    for path in files:
        data = _read_yaml(path)
        if not isinstance(data, dict):
            raise TrainingDataError(f"{path}: top level must be a mapping with keys 'label' and 'examples'")
        label = _check_label(data.get("label"), catalog, f"{path}: key 'label'")
        examples = _check_examples(data.get("examples"), f"{path}: key 'examples'")
        texts.extend(examples)
        labels.extend([label] * len(examples))
    missing = sorted(set(catalog.labels) - set(labels))
    if missing:
        raise TrainingDataError(f"{directory}: no training examples for {', '.join(missing)}")
    return Dataset(texts=tuple(texts), labels=tuple(labels))


def load_dev_set(path: Path | str, catalog: Catalog) -> Dataset:
    """Read the dev evaluation file: a mapping `labels: {label: [texts]}`."""
    path = Path(path)
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("labels"), dict):
        raise TrainingDataError(f"{path}: top level must be a mapping with key 'labels' (label -> list of texts)")
    texts: list[str] = []
    labels: list[str] = []
    for label, examples in data["labels"].items():
        _check_label(label, catalog, f"{path}: key 'labels.{label}'")
        examples = _check_examples(examples, f"{path}: key 'labels.{label}'")
        texts.extend(examples)
        labels.extend([label] * len(examples))
    if not texts:
        raise TrainingDataError(f"{path}: key 'labels' is empty: nothing to evaluate on")
    return Dataset(texts=tuple(texts), labels=tuple(labels))


def dataset_from_pairs(pairs: list[tuple[str, str]], *, catalog: Catalog, source: str) -> Dataset:
    """Build a Dataset from (text, label) pairs, e.g. accepted feedback, checking every label."""
    for i, (text, label) in enumerate(pairs):
        _check_label(label, catalog, f"{source}[{i}]")
        if not text.strip():
            raise TrainingDataError(f"{source}[{i}]: empty text")
    return Dataset(texts=tuple(t for t, _ in pairs), labels=tuple(label for _, label in pairs))


HARD_KINDS = (
    "boundary",
    "negation",
    "multi_part",
    "other",
    "long",
    "slack_markup",
    "typo",
    "product_ambiguous",
    "terse",
    "chatter",
)
SPLITS = ("tune", "test")


@dataclass(frozen=True)
class HardExample:
    """One message of the hard dev set: what kind of difficulty it is and what the bot should say."""

    text: str
    kind: str
    lang: str
    split: str
    label: str | None  # the row, `other` or `none`; None for multi_part
    also: tuple[str, ...] = ()  # other rows that are right too (the twin row of an unnamed product)
    parts: tuple[tuple[str, str], ...] = ()  # multi_part: (verbatim text, label) of each request

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label that is right for a single-request message (empty for multi_part)."""
        return (self.label, *self.also) if self.label else ()


def _hard_example(item: Any, catalog: Catalog, where: str) -> HardExample:
    if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
        raise TrainingDataError(f"{where}: needs a non-empty 'text'")
    kind, split, lang = item.get("kind"), item.get("split"), item.get("lang")
    if kind not in HARD_KINDS:
        raise TrainingDataError(f"{where}: key 'kind' must be one of {', '.join(HARD_KINDS)}, not {kind!r}")
    if split not in SPLITS or lang not in ("de", "en"):
        raise TrainingDataError(f"{where}: keys 'split' (tune|test) and 'lang' (de|en) are required")
    parts = tuple(
        (str(p["text"]), _check_label(p.get("label"), catalog, f"{where}: parts[{i}]"))
        for i, p in enumerate(item.get("parts") or [])
    )
    label = item.get("label")
    if (label is None) == (not parts):
        raise TrainingDataError(f"{where}: give either 'label' or 'parts'")
    for text, _ in parts:
        if text not in item["text"]:
            raise TrainingDataError(f"{where}: part {text[:40]!r} is not a span of the text")
    return HardExample(
        text=item["text"],
        kind=kind,
        lang=lang,
        split=split,
        label=_check_label(label, catalog, f"{where}: key 'label'") if label is not None else None,
        also=tuple(_check_label(a, catalog, f"{where}: key 'also'") for a in item.get("also") or ()),
        parts=parts,
    )


def load_hard_set(path: Path | str, catalog: Catalog, *, split: str | None = None) -> tuple[HardExample, ...]:
    """Read the hard dev set (`examples: [{text, kind, lang, split, label | parts, also}]`), optionally one split."""
    path = Path(path)
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("examples"), list) or not data["examples"]:
        raise TrainingDataError(f"{path}: top level must be a mapping with a non-empty list 'examples'")
    examples = tuple(_hard_example(item, catalog, f"{path}: examples[{i}]") for i, item in enumerate(data["examples"]))
    if split is not None and split not in SPLITS:
        raise TrainingDataError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return tuple(e for e in examples if split is None or e.split == split)
