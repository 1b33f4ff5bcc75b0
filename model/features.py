"""Contrast and negation in the features (pipeline step 2, after normalisation; pickled with the pipeline).

- Negation: the words inside a negation's scope (after nicht/kein/ohne/statt/not/no/don't/instead of, up to the
  end of the clause) become `neg_<word>` for the word features, so "keine VMs deployen" and "VMs deployen" differ.
  The character features keep them: most problem reports are negations ("findet keine GPU"), and the model learns
  from both.
- Contrast: the clause after a contrast marker (sondern/aber/stattdessen/es geht um/wir brauchen nur/but/what we need
  is/we just need) is what the message asks for; it is repeated, which gives it more weight.
- Done: a clause that says something is done or works ("Plan ist eingerichtet, danke", "the VM works") is context,
  not the request; its words are marked `done_<word>` (word features) and dropped (character features). This
  marking is off in the shipped model (FeatureOptions.done; the README's ablation); the message-level rules below
  (only_done, reports_resolved, says_no_request) always apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

NEGATION_CUES = frozenset(
    [
        "nicht",
        "kein",
        "keine",
        "keinen",
        "keinem",
        "keiner",
        "keines",
        "ohne",
        "statt",
        "anstatt",
        "not",
        "no",
        "never",
        "without",
        "instead",
        "dont",
        "don't",
        "doesnt",
        "doesn't",
        "isnt",
        "isn't",
        "arent",
        "aren't",
        "wont",
        "won't",
        "nie",
    ]
)
_CONTRAST = re.compile(
    r"\b(?:sondern|aber|stattdessen|vielmehr|es geht (?:um|darum)|eigentlich geht es um|but|instead|"
    r"what we (?:need|want) is|what i (?:need|want) is|rather|"
    # "What we need from you: ...", "We just need the machine", "Wir brauchen nur ...": the request follows.
    r"what (?:we|i) (?:need|want) from you|all (?:we|i) (?:need|want) is|(?:we|i) (?:just|only) (?:need|want)|"
    r"was (?:wir|ich) (?:brauchen|brauchten|brauche|mochten|mochte)|"
    r"(?:wir|ich) (?:brauchen|brauchten|brauche|mochten|mochte|wollen|will) (?:nur|lediglich|eigentlich))\b"
)
_DONE = re.compile(
    r"\b(?:geklappt|klappt|funktioniert|lauft|laufen|passt|passen|erledigt|fertig|eingerichtet|freigeschaltet|"
    r"danke|thanks|thank you|thx|cheers|works|working|worked|is up|are up|is fine|are fine|all good|is done|"
    r"are done|sorted|"
    r"already (?:there|done|set up|running|in place)|ist (?:schon |bereits )?da|sind (?:schon |bereits )?da)\b"
)
# A clause that says something does not work is a problem report, not a done step.
_NEGATED = re.compile(r"\b(?:nicht|nich|nix|nichts|kein\w*|not|no|never|nie|kaum)\b|n't\b")
# Clause ends: punctuation, a dash between spaces, or a contrast marker (handled separately).
_CLAUSE = re.compile(r"[.,;:!?()]|\s[-–]\s")


def _mark(clause: str, *, negation: bool) -> str:
    """One clause with the words after its first negation cue prefixed with neg_."""
    tokens = clause.split()
    if not negation or NEGATION_CUES.isdisjoint(tokens):
        return " ".join(tokens)
    first = next(i for i, token in enumerate(tokens) if token in NEGATION_CUES)
    return " ".join(tokens[: first + 1] + ["neg_" + token for token in tokens[first + 1 :]])


def is_done(clause: str) -> bool:
    """Says that something is done or works (and not that it does not)."""
    return bool(_DONE.search(clause)) and not _NEGATED.search(clause)


def _done(clause: str, *, prefix_words: bool) -> str:
    if not is_done(clause):
        return clause
    return " ".join("done_" + t for t in clause.split()) if prefix_words else ""


@lru_cache(maxsize=64)
def _around_contrast(text: str) -> tuple[str, str]:
    """The text before and after its first contrast marker (all and nothing without one). Kept for a few texts:
    the word and the character branch prepare the same texts one after the other."""
    match = _CONTRAST.search(text)
    return (text[: match.start()], text[match.end() :]) if match else (text, "")


def prepare(text: str, *, negation: bool, contrast: bool, done: bool, for_words: bool) -> str:
    """`text` (already normalised) as the word (for_words) or character features see it."""
    head, after = _around_contrast(text) if contrast else (text, "")
    negation = negation and for_words
    if not (negation or done):
        # Nothing is marked per clause: the clause marks become spaces, which both analysers skip.
        pieces = [_CLAUSE.sub(" ", head), _CLAUSE.sub(" ", after)]
        pieces.append(pieces[1] if after.strip() else "")
        return " ".join(pieces).strip() or text
    pieces = []
    for part in (head, after):
        clauses = [c for c in _CLAUSE.split(part) if c.strip()]
        for clause in clauses:
            if done:
                clause = _done(clause, prefix_words=for_words)
            pieces.append(_mark(clause, negation=negation))
    if after.strip():
        # What comes after the contrast is the request: count it twice.
        pieces.append(" ".join(_mark(c, negation=negation) for c in _CLAUSE.split(after)))
    return " ".join(p for p in pieces if p).strip() or text


def prepare_many(
    texts: Iterable[str], *, negation: bool = True, contrast: bool = True, done: bool = True, for_words: bool = True
) -> list[str]:
    """prepare() over a batch: the FunctionTransformer step in front of each TF-IDF."""
    return [prepare(t, negation=negation, contrast=contrast, done=done, for_words=for_words) for t in texts]


_WANT_NOT = re.compile(
    r"^(?:no need|not asking|we don'?t need|i don'?t need|nothing to|kein bedarf|brauchen (?:wir )?kein|"
    r"(?:ist|sind) nicht (?:notig|das problem)|nicht notig)|\b(?:brauchen wir nicht|musst ihr nicht|"
    r"machen wir selbst|kummern wir uns selbst|do (?:that|it) ourselves|handle (?:that|it) ourselves)\b"
)


def _clauses(normalized: str) -> list[str]:
    return [c for c in _CLAUSE.split(normalized) if c.strip()]


def only_done(normalized: str, *, raw: str) -> bool:
    """Every clause says that something is done or works (or thanks), and nothing is asked."""
    return _only_done(_clauses(normalized), request=is_request(normalized, raw=raw))


def _only_done(clauses: list[str], *, request: bool) -> bool:
    return not request and bool(clauses) and all(is_done(c) for c in clauses)


def is_context(normalized: str, *, raw: str) -> bool:
    """A part that only sets the scene: something is done or works, or what is not wanted ("no need to ..."),
    and no question. Such a part is not a request of its own."""
    return only_done(normalized, raw=raw) or ("?" not in raw and bool(_WANT_NOT.search(normalized)))


# A plea ("bitte", "könnt ihr", "can you"): the part of a request cue that still asks when a message also says
# that nothing is asked ("hat sich erledigt, aber könnt ihr noch ...").
_PLEA_CUES = r"bitte|please|pls|plz|konnt|konntet|konnten|kannst|could you|can you|would you|will you"
_PLEA = re.compile(rf"\b(?:{_PLEA_CUES})\b")
_REQUEST_CUE = re.compile(
    rf"\b(?:{_PLEA_CUES}|konnen|could|can u|"
    r"need|needs|brauchen|brauche|brauchte|brauchten|benotigen|benotige|mochten|mochte|would like|"
    r"hatten gern|hatte gern|help|hilfe|helft|unterstutzung|wie|how|wo|where|warum|why|"
    r"was kostet|what does|anlegen|einrichten|installieren|install|deploy|set up|aufsetzen|fix|beheben|"
    r"was soll|was sollen|what should|what do (?:i|we) do)\b"
)
# Words of a problem report ("nvidia-smi findet keine GPU", "login broken"): a report asks for help without asking.
_TROUBLE = re.compile(
    r"\b(?:error|errors|fehler|failed|fails|failing|fehlgeschlagen|kaputt|broken|down|crash\w*|hangt|hanging|"
    r"stuck|timeout|denied|verweigert|gesperrt|locked|missing|fehlt|falsch|wrong|problem\w*|issue|bug)\b"
)


def is_request(normalized: str, *, raw: str) -> bool:
    """A part that asks for something: a question, a plea, a need, or a verb of work ("bitte ... anlegen")."""
    return "?" in raw or bool(_REQUEST_CUE.search(normalized))


def asks_or_reports(normalized: str, *, raw: str) -> bool:
    """A request (is_request) or a problem report: something does not work, fails or is missing."""
    return is_request(normalized, raw=raw) or _reports(normalized)


def _reports(normalized: str) -> bool:
    return bool(_NEGATED.search(normalized) or _TROUBLE.search(normalized))


# Said outright that nothing is asked. The settling ones ("keine Frage", "hat sich erledigt", "nvm") hold unless the
# message still asks or pleads; the softer ones ("FYI", "nur zur Info") only when no fault is reported either.
_SETTLED = re.compile(
    r"\b(?:keine frage|no question|kein handlungsbedarf|no action (?:needed|required)|nichts zu tun fur (?:euch|sie)|"
    r"nothing (?:to do )?for you|nothing to do with (?:the hosting|you|centron)|hat sich erledigt|kann zu|"
    r"can be closed|nvm|never ?mind)\b"
)
_FOR_INFO = re.compile(
    r"\b(?:nur zur info|zur info|nur als info|fyi|for the record|just sharing|nur zum teilen|fun fact|"
    r"falls es wen interessiert|in case anyone is interested|out of office|ooo|info ans team|wochenbericht|"
    r"weekly report|nur damit (?:ihr|du|sie)(?:'s| es)? (?:wisst|weisst|wissen)|just so (?:you|everyone) knows?|"
    r"just letting (?:you|everyone|the team|our [\w-]+(?: [\w-]+)?) know|(?:ich )?wollte nur sagen|"
    r"just wanted to (?:say|share|let you know)|"
    # An answer taken: "ok, verstanden, dann bauen wir das selbst", "got it, we'll handle it ourselves".
    r"ok,? verstanden|alles klar|understood|got it|makes sense|macht sinn|"
    r"(?:machen|bauen|regeln|losen|erledigen) wir (?:das |es )?(?:dann )?(?:\w+ ){0,4}selbst|"
    r"we'?ll (?:do|build|handle|set up) (?:it|that|this|them)(?: \w+){0,3} ourselves)\b"
)


# Says the fault is found or gone ("lag an unserem Skript", "turns out", "got it working"): a fault named beside it is
# explained, not reported.
_RESOLVED = re.compile(
    r"\b(?:turns out|turned out|stellte sich heraus|lag an (?:unserem|unserer|meinem|meiner|uns|mir)|lag bei uns|"
    r"my bad|mein fehler|unser fehler|our (?:own )?(?:fault|bad|mistake)|got it working|works like a charm|"
    r"problem solved|gelost|gefixt|fixed it|no further help|no worries|kein stress|all sorted|sorted it|"
    r"lauft wieder|geht wieder|works again|working again|back up and running|erledigt sich)\b"
)


def reports_resolved(normalized: str, *, raw: str) -> bool:
    """A report back, not a request: the fault is found or gone, or the message opens with something that works
    ("Läuft!"), and nothing is asked, nor a request turned to with a contrast marker."""
    return _reports_resolved(normalized, clauses=_clauses(normalized), request=is_request(normalized, raw=raw))


def _reports_resolved(normalized: str, *, clauses: list[str], request: bool) -> bool:
    if request or _CONTRAST.search(normalized):
        return False
    if _RESOLVED.search(normalized):
        return True
    return bool(clauses) and is_done(clauses[0]) and not _reports(normalized)


def says_no_request(normalized: str, *, raw: str) -> bool:
    """Says outright that nothing is asked ("keine Frage", "hat sich erledigt", "FYI"), and does not ask anyway."""
    return _says_no_request(normalized, raw=raw, request=is_request(normalized, raw=raw))


def _says_no_request(normalized: str, *, raw: str, request: bool) -> bool:
    if "?" in raw or _PLEA.search(normalized):
        return False
    if _SETTLED.search(normalized):
        return True
    # Without a question mark, `request` is whether a request cue is there.
    return bool(_FOR_INFO.search(normalized)) and not (request or _TROUBLE.search(normalized))


@dataclass(frozen=True)
class MessageCues:
    """What the message-level rules say about a whole message."""

    done: bool  # only says that things work or are resolved, or that nothing is asked: not a request
    asks: bool  # asks for something or reports a problem (asks_or_reports)


def message_cues(normalized: str, *, raw: str) -> MessageCues:
    """All message-level rules at once (only_done, says_no_request, reports_resolved, asks_or_reports), the
    request cue and the clauses computed once for all of them."""
    request = is_request(normalized, raw=raw)
    clauses = _clauses(normalized)
    done = (
        _only_done(clauses, request=request)
        or _says_no_request(normalized, raw=raw, request=request)
        or _reports_resolved(normalized, clauses=clauses, request=request)
    )
    return MessageCues(done=done, asks=request or _reports(normalized))
