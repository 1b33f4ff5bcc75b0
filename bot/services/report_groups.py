"""Requests no row covers, grouped by their most characteristic term, so a support lead sees topics, not 40 texts.

A term is a word of the normalised text (model.normalize) of at least 3 letters that is no function or courtesy
word (model.language). Its weight among the uncovered requests is how many of them contain it times its smoothed
inverse document frequency over all requests of the window, ln((1 + N) / (1 + df)) + 1: a word every request has
("install", "server") weighs little, one only the uncovered requests have ("wordpress") much. Greedily, the term of
the highest weight that at least two ungrouped requests share forms a group of all of them; what no term joins
stays one group per text. Ties go to the alphabetically first term, so the grouping is deterministic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.feedback_split import text_key
from model.language import FUNCTION_WORDS
from model.normalize import normalize_text

MIN_TERM_CHARS = 3
MAX_TERMS = 3  # the group's term and up to two that most of its requests share too
MAX_EXAMPLES = 2
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class UncoveredGroup:
    """Uncovered requests sharing a term (`terms[0]`; more terms most of them share), or one repeated text
    (`terms` empty)."""

    terms: tuple[str, ...]
    count: int
    examples: tuple[str, ...]  # up to two distinct texts, oldest first, as the users wrote them


def terms_of(text: str) -> frozenset[str]:
    """The words of `text` that can name a topic."""
    words = _WORD.findall(normalize_text(text))
    return frozenset(
        w for w in words if len(w) >= MIN_TERM_CHARS and not w.isdigit() and "_" not in w and w not in FUNCTION_WORDS
    )


def _examples(texts: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for text in texts:
        seen.setdefault(text_key(text), text)
    return tuple(seen.values())[:MAX_EXAMPLES]


def _co_terms(members: Sequence[frozenset[str]], key: str, weight: dict[str, float]) -> tuple[str, ...]:
    counts = Counter(t for terms in members for t in terms if t != key)
    shared = [t for t, n in counts.items() if n >= 2 and 2 * n >= len(members)]
    shared.sort(key=lambda t: (-counts[t], -weight[t], t))
    return (key, *shared[: MAX_TERMS - 1])


def group_uncovered(uncovered: Sequence[str], *, corpus: Sequence[str]) -> tuple[UncoveredGroup, ...]:
    """Groups of the `uncovered` texts (oldest first), largest first; `corpus` is every request text of the window
    (the uncovered ones included), for the inverse document frequency."""
    df_all = Counter(t for text in corpus for t in terms_of(text))
    n = max(len(corpus), len(uncovered))
    terms = [terms_of(text) for text in uncovered]
    df_uncovered = Counter(t for ts in terms for t in ts)
    idf = {t: math.log((1 + n) / (1 + max(df_all[t], df_uncovered[t]))) + 1 for t in df_uncovered}
    weight = {t: df_uncovered[t] * idf[t] for t in df_uncovered}
    remaining = list(range(len(uncovered)))
    groups: list[tuple[UncoveredGroup, int]] = []  # with the index of the oldest member, for a stable order
    while remaining:
        df = Counter(t for i in remaining for t in terms[i])
        shared = [t for t, count in df.items() if count >= 2]
        if not shared:
            break
        key = min(shared, key=lambda t: (-df[t] * idf[t], t))
        members = [i for i in remaining if key in terms[i]]
        group = UncoveredGroup(
            terms=_co_terms([terms[i] for i in members], key, weight),
            count=len(members),
            examples=_examples([uncovered[i] for i in members]),
        )
        groups.append((group, members[0]))
        remaining = [i for i in remaining if key not in terms[i]]
    by_text: dict[str, list[int]] = {}
    for i in remaining:
        by_text.setdefault(text_key(uncovered[i]), []).append(i)
    for members in by_text.values():
        groups.append((UncoveredGroup(terms=(), count=len(members), examples=(uncovered[members[0]],)), members[0]))
    groups.sort(key=lambda g: (-g[0].count, g[1]))
    return tuple(g for g, _ in groups)
