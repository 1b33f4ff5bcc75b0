"""Splitting a message into the requests it may contain: paragraphs, bullet items, sentences, and clauses joined
by connectors such as "außerdem", "also", "btw" or "P.S.". Offsets refer to the text as given, so every part is a
verbatim span of the message."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from model.language import WRITTEN_FUNCTION_WORDS

# A part needs this many words that carry content to be a request of its own; shorter pieces ("Two things:",
# "Danke!", "Könnt ihr das prüfen?", a pasted log) join a neighbour.
MIN_PART_WORDS = 2
MAX_PARTS = 6

_CODE = re.compile(r"```.*?(?:```|$)", re.S)
_LINE_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•–]|\d+[.)]|[a-z]\))\s)")
_SINGLE_BREAK = re.compile(r"\n")
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d+[.)]|[a-z]\))\s+")
# Sentence ends: . ! ? followed by space, unless the dot belongs to an abbreviation or a number.
_ABBREVIATIONS = (
    "z.",
    "b.",
    "z.b.",
    "bzw.",
    "ca.",
    "nr.",
    "e.g.",
    "i.e.",
    "u.a.",
    "usw.",
    "etc.",
    "vs.",
    "dr.",
    "ggf.",
    "ggfs.",
    "p.s.",
    "inkl.",
    "exkl.",
    "zzgl.",
    "evtl.",
    "bspw.",
    "d.h.",
    "u.u.",
    "z.t.",
    "mind.",
    "max.",
    "min.",
    "incl.",
    "approx.",
    "esp.",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
# Words that open another request: after a comma, dash or space inside a sentence, or at a sentence's start.
_OPENERS = (
    r"(?:und|and)\s+(?:wir\s+|we\s+|ich\s+|i\s+)?(?:auch|außerdem|ausserdem|also|noch|zusätzlich|additionally)\b"
    r"|(?:und|and)\s+(?:wir|we|ich|i)\s+(?:brauchen|bräuchten|brauche|need|want|would like|'d like|hätten|möchten)\b"
    r"|(?:und|and)\s+(?:we'd like|we would like|hätten gern|möchten|könnt|koennt|könntet|kannst|could|can|would"
    r"|please|bitte|danach|dann|anschließend|anschliessend|afterwards|then|after that)\b"
    r"|(?:außerdem|ausserdem|zudem|zusätzlich|additionally|furthermore|another thing|noch was)\b"
    r"|(?:weiterhin|moreover|noch etwas|noch eine frage|ach ja|nebenbei|parallel dazu|zweitens|drittens)\b"
    r"|(?:second(?:ly)?|third(?:ly)?|on top of that|while you're at it|one more thing)\b|next,|plus\b"
    r"|sowie\b|also[:,]\s|also\s+(?:please|could|can|would|bitte|we|i|our|the)\b|danach\s+(?:bitte|please)\b"
    r"|after that\b|btw\b|by the way\b|übrigens\b|p\.\s?s\.?|ps:"
)
# The letters an opener starts with: the many alternatives are tried only where one follows, which cut the
# connector search from about 24 to 7 µs a message (tests/model/test_segment.py derives the set from _OPENERS).
OPENER_LETTERS = "abdfmnopstuwzü"
_CONNECTOR = re.compile(rf"(?:[,;–-]\s*|\s)(?=[{OPENER_LETTERS}])(?={_OPENERS})", re.I)
_STARTS_WITH_OPENER = re.compile(rf"(?:{_OPENERS}|(?:und|and)\b)", re.I)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    strong: bool = False  # starts at a bullet or a connector (not just after a full stop or a paragraph break)


# Slack addressing and links (<@U02ABC>, <#C01|ops>, <!here>, <https://…|label>) and "cc" carry no request.
_MARKUP = re.compile(r"<[^<>\n]*>|\bcc\b", re.I)


_LETTERS = re.compile(r"[^\W\d_]+")
_HASHES = re.compile(r"##+")


def _has_words(text: str, n: int) -> bool:
    """`text` has at least `n` content words (markup and function words aside); stops counting at `n`."""
    found = 0
    if "#" in text:
        # A code block is masked as a run of #: one # separates the same letters, and is much less to scan.
        text = _HASHES.sub("#", text)
    if "<" in text or "cc" in text.lower():
        text = _MARKUP.sub(" ", text)
    for match in _LETTERS.finditer(text):
        found += match.group().lower() not in WRITTEN_FUNCTION_WORDS
        if found >= n:
            return True
    return False


def _pieces(text: str, span: Span, pattern: re.Pattern[str], *, strong: bool) -> list[Span]:
    """Split `span` of `text` at `pattern`'s matches; the pieces after a match start strong if `strong`."""
    spans, cursor, first_strong = [], span.start, span.strong
    for match in pattern.finditer(text, span.start, span.end):
        if match.end() > cursor and match.start() > cursor:
            spans.append(Span(cursor, match.start(), first_strong))
            cursor, first_strong = match.end(), strong
    spans.append(Span(cursor, span.end, first_strong))
    return spans


def _sentences(text: str, span: Span) -> list[Span]:
    out: list[Span] = []
    for piece in _pieces(text, span, _SENTENCE_END, strong=False):
        if out and _ends_with_abbreviation(text[out[-1].start : out[-1].end]):
            out[-1] = Span(out[-1].start, piece.end, out[-1].strong)
        else:
            out.append(piece)
    return out


def _ends_with_abbreviation(text: str) -> bool:
    words = text.rstrip().rsplit(None, 1)
    if not words:
        return False
    # The whole word, so that "admin." or "job." still end a sentence while "(inkl." does not.
    last = words[-1].lower().lstrip("([{\"'„“‚‘")
    return last in _ABBREVIATIONS or bool(re.fullmatch(r"\w\.|[\d.]+\.", last))


def _trim(text: str, span: Span) -> Span | None:
    piece = text[span.start : span.end]
    bullet = _BULLET.match(piece)
    lead = bullet.end() if bullet else len(piece) - len(piece.lstrip())
    start, end = span.start + lead, span.start + len(piece.rstrip())
    if end <= start:
        return None
    strong = span.strong or bullet is not None or bool(_STARTS_WITH_OPENER.match(text, start))
    return Span(start, end, strong)


def segment(text: str) -> tuple[Span, ...]:
    """The candidate request spans of `text`, in order; one span covering the whole text when nothing splits it.

    Code blocks (```...```) are never split, and never a part of their own: they belong to the text before them.
    """
    # Split on a copy whose code blocks are opaque, so offsets stay those of `text`.
    masked = _CODE.sub(lambda m: "#" * len(m.group()), text)
    spans: list[Span] = []
    # A paragraph break alone is weak, like a full stop: a long report puts its context and pasted output in
    # paragraphs of their own before it asks. Bullets and connectors still start a request (see _trim).
    for block in _pieces(masked, Span(0, len(masked)), _LINE_BREAK, strong=False):
        for line in _pieces(masked, block, _SINGLE_BREAK, strong=False):
            for sentence in _sentences(masked, line):
                spans.extend(_pieces(masked, sentence, _CONNECTOR, strong=True))
    trimmed = [t for s in spans if (t := _trim(masked, s)) is not None]
    merged = _merge_short(masked, trimmed)
    if not merged or len(merged) > MAX_PARTS:
        return (Span(0, len(text)),)
    return tuple(merged)


def _merge_short(text: str, spans: list[Span]) -> list[Span]:
    """Join pieces too short to be a request with the piece after them (the last one with the piece before)."""
    out: list[Span] = []
    pending: Span | None = None
    for span in spans:
        if pending is not None:
            span = Span(pending.start, span.end, pending.strong)
            pending = None
        if not _has_words(text[span.start : span.end], MIN_PART_WORDS):
            pending = span
            continue
        out.append(span)
    if pending is not None:
        if out:
            out[-1] = Span(out[-1].start, pending.end, out[-1].strong)
        else:
            out.append(pending)
    return out


# A short sentence that points back ("Macht ihr sowas?", "Is that included?") asks about the sentence before it.
# German "das"/"dies" before a capitalised word is an article ("das Projekt"), not a pointer back.
_POINTS_BACK = re.compile(r"\b(?i:sowas|so etwas|so was|dies|das|this|that|it)\b(?!\s+[A-ZÄÖÜ])")
MAX_POINTING_WORDS = 4


def _points_back(piece: str) -> bool:
    return not _has_words(piece, MAX_POINTING_WORDS + 1) and bool(_POINTS_BACK.search(piece))


def requests(text: str, spans: tuple[Span, ...], *, is_request: Callable[[str], bool]) -> tuple[Span, ...]:
    """`spans` joined where a full stop or a paragraph break alone separates them, unless both sides ask for
    something, or the second only points back at the first.

    "Die VM läuft nicht. Außerdem bräuchten wir ..." stays two parts (a connector); "Das Projekt fehlt. Die
    Kontingente sind falsch." is one report; "Wie ändere ich X? Und könnt ihr Y?" is two requests; "Wir
    möchten ein VPN. Macht ihr sowas?" is one.
    """
    out: list[Span] = []
    asks: list[bool] = []  # per span of `out`: it asks for something (a joined span asks if either side did)
    for span in spans:
        piece = text[span.start : span.end]
        piece_asks = is_request(piece)
        if out and not span.strong and (_points_back(piece) or not (asks[-1] and piece_asks)):
            out[-1] = Span(out[-1].start, span.end, out[-1].strong)
            asks[-1] = asks[-1] or piece_asks
        else:
            out.append(span)
            asks.append(piece_asks)
    return tuple(out)
