"""German or English? lingua's language models (shipped inside its wheel, low-accuracy mode: the n-gram models
of de and en only) decide; words that carry no topic are never shown as the terms that decided a verdict."""

from __future__ import annotations

from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from stop_words import get_stop_words

from model.normalize import fold_accents

# Below this probability of German the answer is English: centron answers international customers in English.
GERMAN_MIN_PROBABILITY = 0.5
# Words of scikit-learn's English stop list that name things in this domain (an invoice "bill", a "system").
_DOMAIN_WORDS = frozenset({"bill", "system", "fire", "find", "interest", "detail", "call", "computer"})
_COURTESY = frozenset(
    [
        "bitte",
        "danke",
        "hallo",
        "hi",
        "hey",
        "moin",
        "servus",
        "gruss",
        "grusse",
        "liebe",
        "lieben",
        "team",
        "leute",
        "thanks",
        "thank",
        "please",
        "pls",
        "plz",
        "cheers",
        "regards",
        "hello",
        "guys",
        "folks",
    ]
)
# Function words and courtesy words as written, and accent-folded as in the normalised text explanations come
# from (folding makes "ändere" look like "andere", so text as written is checked against the first).
WRITTEN_FUNCTION_WORDS = frozenset((*get_stop_words("de"), *(ENGLISH_STOP_WORDS - _DOMAIN_WORDS), *_COURTESY))
FUNCTION_WORDS = frozenset(fold_accents(w) for w in WRITTEN_FUNCTION_WORDS)


@cache
def _detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(Language.GERMAN, Language.ENGLISH)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def detect_language(text: str) -> str:
    """'de' or 'en' (English when it cannot tell)."""
    values = {c.language: c.value for c in _detector().compute_language_confidence_values(text)}
    return "de" if values.get(Language.GERMAN, 0.0) > GERMAN_MIN_PROBABILITY else "en"


def warm_up() -> None:
    """Load the language models now (a worker does this at boot, not inside a request)."""
    _detector()
