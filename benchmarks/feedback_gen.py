"""Plausible accepted-feedback examples for the retraining benchmark.

Each text recombines two training phrasings of the same label (the head of one, the tail of the other), sprinkles
in a few noise words (greetings, filler, made-up ticket ids and typo'd tokens) and sometimes a typo, so that texts
are distinct but still read like the label. Deterministic for a given seed; bounded loops only.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence

from bot.db import AcceptedFeedback

FILLER = (
    "bitte",
    "please",
    "asap",
    "hi",
    "hallo",
    "moin",
    "thanks",
    "danke",
    "btw",
    "again",
    "urgent",
    "dringend",
    "heute",
    "today",
    "still",
    "immer",
    "noch",
    "kurz",
    "quick",
    "question",
    "frage",
    "team",
    "kollegen",
    "colleagues",
    "seit",
    "gestern",
    "yesterday",
    "morning",
    "morgen",
    "ok",
    "also",
    "auch",
    "really",
    "wirklich",
    ":pray:",
    ":sweat_smile:",
    "lg",
    "vg",
    "cheers",
    "fyi",
    "nochmal",
    "once",
    "more",
)
# A bounded pool of made-up tokens: real feedback brings new words, but not an unbounded vocabulary.
PSEUDO_WORDS = 3000


def _pseudo_pool(rng: random.Random) -> list[str]:
    pool = set()
    for _ in range(PSEUDO_WORDS * 2):  # bounded
        if len(pool) >= PSEUDO_WORDS:
            break
        kind = rng.random()
        if kind < 0.4:
            pool.add("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))))
        elif kind < 0.7:
            pool.add(f"{rng.choice(('INC', 'TCK', 'REQ', 'vm', 'proj', 'node'))}-{rng.randint(100, 99999)}")
        else:
            pool.add(f"{rng.choice(('srv', 'gpu', 'k8s', 'db', 'web'))}{rng.randint(1, 999)}")
    return sorted(pool)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def generate(
    texts: Sequence[str], labels: Sequence[str], n: int, *, seed: int = 0, exclude: Sequence[str] = ()
) -> list[AcceptedFeedback]:
    """`n` feedback items (for store.feedback.add_many) with distinct texts, labels in training proportions."""
    rng = random.Random(seed)
    by_label: dict[str, list[list[str]]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_label.setdefault(label, []).append(text.split())
    label_list = sorted(by_label)
    weights = [len(by_label[lbl]) for lbl in label_list]
    pool = _pseudo_pool(rng)
    seen = {" ".join(t.split()).casefold() for t in (*texts, *exclude)}
    items: list[AcceptedFeedback] = []
    for _ in range(n * 3):  # bounded; collisions are rare
        if len(items) >= n:
            break
        label = rng.choices(label_list, weights)[0]
        a, b = rng.choice(by_label[label]), rng.choice(by_label[label])
        cut_a = rng.randint(max(1, len(a) // 3), max(1, len(a)))
        cut_b = rng.randint(0, max(0, len(b) - 1))
        words = a[:cut_a] + b[cut_b:] if rng.random() < 0.7 else list(a)
        for _noise in range(rng.randint(1, 3)):
            noise = rng.choice(FILLER) if rng.random() < 0.6 else rng.choice(pool)
            words.insert(rng.randint(0, len(words)), noise)
        if rng.random() < 0.3:
            j = rng.randrange(len(words))
            words[j] = _typo(words[j], rng)
        text = " ".join(words)[:1500]
        key = " ".join(text.split()).casefold()
        if key in seen:
            continue
        seen.add(key)
        # An import has no predicted label; the draw stays so a seed gives the same texts as before.
        rng.choice(label_list)
        items.append(AcceptedFeedback(text=text, label=label, source="import", user_id="UBENCH", reviewed_by="UBENCH"))
    return items
