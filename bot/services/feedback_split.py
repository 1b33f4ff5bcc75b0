"""Accepted feedback -> training and held-out examples: duplicates merged, conflicts resolved, dev texts kept out."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.db import FeedbackItem
from bot.services.retrain_report import Conflict
from model.normalize import normalize_text

HELD_OUT_PERCENT = 20
_PUNCTUATION = re.compile(r"[^\w\s]")


def text_key(text: str) -> str:
    """Identity of a feedback text, as the model reads it: Slack markup, case, accents, punctuation and spacing
    do not make two texts different."""
    return " ".join(_PUNCTUATION.sub(" ", normalize_text(text)).split()).casefold()


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
    duplicates: int = 0  # items merged into another one of the same text (or a YAML phrasing with its label)


def split_feedback(
    items: Sequence[FeedbackItem],
    *,
    dev_texts: Iterable[str],
    labels: Iterable[str],
    phrasings: Iterable[tuple[str, str]] = (),
) -> FeedbackSplit:
    """Merge duplicates (one text counts once; the last accepted label of a text wins) and split into training /
    held-out pairs. A text that repeats a YAML phrasing with the same label adds nothing and is left out.

    `items` must be in acceptance order, as store.feedback.accepted() returns them.
    """
    history: dict[str, list[FeedbackItem]] = {}
    for item in items:
        history.setdefault(text_key(item.text), []).append(item)
    dev_keys = {text_key(t) for t in dev_texts}
    yaml_pairs = {(text_key(t), label) for t, label in phrasings}
    known = set(labels)
    train: list[tuple[str, str]] = []
    held_out: list[tuple[str, str]] = []
    conflicts: list[Conflict] = []
    in_dev = stale = 0
    duplicates = sum(len(versions) - 1 for versions in history.values())
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
        elif (key, winner.label) in yaml_pairs:
            duplicates += 1
        else:
            (held_out if is_held_out(key) else train).append((winner.text, winner.label))
    return FeedbackSplit(
        train=tuple(train),
        held_out=tuple(held_out),
        conflicts=tuple(conflicts),
        accepted=len(items),
        in_dev=in_dev,
        stale=stale,
        duplicates=duplicates,
    )
