"""Guessing whether a message is German or English, to answer in the user's language."""

from __future__ import annotations

import re

from model.normalize import normalize_text

# Frequent function words that are unambiguous between the two languages (after accent folding).
_GERMAN = frozenset(
    "und ich ist nicht das die der den dem ein eine einen wir ihr sie mit fur auf bei kann konnen konnt "
    "mein meine unser unsere bitte danke hallo moin servus geht wie was warum wieso noch schon auch oder "
    "aber habe haben hat wird werden wurde mal doch gibt kein keine mir mich uns euch ihnen sind bin "
    "vom zum zur nach uber beim ob wenn dass weil hier jetzt gerne leider grusse gruss vielen".split()
)
_ENGLISH = frozenset(
    "the and is are not my our we you your with for on can could please thanks thank hello hi how what "
    "why does do did have has been will would there this that it its of to a an any anyone some our "
    "us me just still also but or when if because here now sorry cheers regards help need".split()
)
# Words that carry no topic: never shown as the terms that decided a verdict.
FUNCTION_WORDS = (
    _GERMAN
    | _ENGLISH
    | frozenset(
        "ich du er es wir sie wer wo wann welche welcher welches i you he she we they who where when which".split()
    )
)
_WORD = re.compile(r"[a-z]+")
_UMLAUT = re.compile(r"[äöüßÄÖÜ]")


def detect_language(text: str) -> str:
    """'de' or 'en' (English when it cannot tell: the company answers international customers in English)."""
    words = _WORD.findall(normalize_text(text))
    german = sum(w in _GERMAN for w in words) + 2 * len(_UMLAUT.findall(text))
    english = sum(w in _ENGLISH for w in words)
    return "de" if german > english else "en"
