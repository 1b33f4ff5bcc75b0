"""How much of a text the model has seen: the share of its content words that are in the word vocabulary."""

from __future__ import annotations

import re
from collections.abc import Container

from model.language import FUNCTION_WORDS
from model.pipeline import WORD_TOKENS

_TOKENS = re.compile(WORD_TOKENS)


def known_share(normalized: str, *, vocabulary: Container[str]) -> float:
    """The share of the content words of `normalized` (function words and numbers aside) that are in `vocabulary`;
    1.0 when it has none (a greeting is all function words, and the model knows those)."""
    words = [w for w in _TOKENS.findall(normalized) if w not in FUNCTION_WORDS and not w.isdigit()]
    if not words:
        return 1.0
    return sum(w in vocabulary for w in words) / len(words)
