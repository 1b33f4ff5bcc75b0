"""Slack-aware text normalisation, the first step of the pipeline (pickled with it, so keep it importable)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

# <@U123>, <@U123|name>, <#C123|general>, <!here>, <!subteam^S1|@team>: addressing, not content.
_MENTION = re.compile(r"<[@#!][^<>]*>")
# <https://x|label> -> label, <mailto:a@b|a@b> -> a@b
_LABELLED_LINK = re.compile(r"<(?:https?://|mailto:)[^<>|]*\|([^<>]*)>")
# <https://x> -> https://x
_BARE_LINK = re.compile(r"<((?:https?://|mailto:)[^<>|]*)>")
# :pray:, :+1:, :skin-tone-2: but not times like 10:30:45 or URLs like https://
_EMOJI = re.compile(r"(?<![\w/]):[a-z0-9_+'\-]*[a-z+][a-z0-9_+'\-]*:(?!\w)")
_CODE_FENCE = re.compile(r"```|`")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _drop_combining(match: re.Match[str]) -> str:
    return "".join(ch for ch in match.group() if not unicodedata.combining(ch))


def _strip_marks(text: str) -> str:
    # Combining marks are never ASCII: only the runs of other characters are looked at one by one.
    return _NON_ASCII.sub(_drop_combining, unicodedata.normalize("NFKD", text))


# Latin-1 and Latin Extended-A (German and most European accents) folded once, so that most messages take one
# translate() pass instead of a Python loop over their characters. Folding character by character is the same as
# folding the text: NFKD decomposes each character alone and reorders only the marks that are dropped.
_LATIN = str.maketrans(
    {ch: _strip_marks(ch) for ch in map(chr, range(0xC0, 0x180)) if _strip_marks(ch) != ch} | {"ß": "ss", "ẞ": "ss"}
)


def fold_accents(text: str) -> str:
    """Fold ä/ö/ü (and other accents) to their base letter and ß to ss."""
    if text.isascii():
        return text
    # Run by run: translate() with a table is a dictionary lookup per character, most of them ASCII. ASCII letters
    # are starters, so decomposing the runs between them decomposes the text.
    return _NON_ASCII.sub(_fold_run, text)


def _fold_run(match: re.Match[str]) -> str:
    run = match.group().translate(_LATIN)
    return run if run.isascii() else _strip_marks(run)


def normalize_text(text: str) -> str:
    """Strip Slack addressing and emoji, unwrap links, keep code text, lowercase and fold accents."""
    # Each pattern only where its first character occurs: a pasted log went through six regex scans.
    text = html.unescape(text)
    if "<" in text:
        text = _LABELLED_LINK.sub(r" \1 ", text)
        text = _BARE_LINK.sub(r" \1 ", text)
        text = _MENTION.sub(" ", text)
    if "`" in text:
        text = _CODE_FENCE.sub(" ", text)
    text = fold_accents(text.lower())
    if ":" in text:
        text = _EMOJI.sub(" ", text)
    return " ".join(text.split())  # str.split and the regex \s are the same white space (Py_UNICODE_ISSPACE)


def normalize_many(texts: Iterable[str]) -> list[str]:
    """normalize_text over a batch; the pipeline's first step."""
    return [normalize_text(t) for t in texts]
