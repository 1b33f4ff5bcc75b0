"""Figures on the hard dev set: covered requests, requests no row covers, two-part messages, chatter, per kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from model.calibration import Calibration, calibration
from model.catalog import IN_SCOPE, MIXED, NOT_A_REQUEST, OUT_OF_SCOPE
from model.classifier import Classifier
from model.data import HardExample
from model.language import detect_language
from model.prediction import Prediction
from model.scoring import HANDOVER, NOT_A_REQUEST_EXPECTED, Outcome, raw_correct, score, total_cost


def _share(count: int, n: int) -> float:
    return count / n if n else 0.0


@dataclass(frozen=True)
class CoveredFigures:
    """Requests a row covers (one verdict expected)."""

    n: int
    wrong: float  # the other verdict (or a mixed answer)
    unanswered: float  # handed over or dismissed as not a request
    dismissed: float  # of which: "not a support request"
    label_accuracy: float


@dataclass(frozen=True)
class OtherFigures:
    """Requests no row covers."""

    n: int
    handed_over: float
    paid: float  # told "paid service"
    in_scope: float  # told "included"
    dismissed: float


@dataclass(frozen=True)
class TwoPartFigures:
    """Messages with an included and a paid request."""

    n: int
    both: float  # answered part by part, with both verdicts
    label_accuracy: float  # and every part on its row


@dataclass(frozen=True)
class ChatterFigures:
    n: int
    not_a_request: float
    answered: float  # got an in/out verdict


@dataclass(frozen=True)
class KindFigures:
    n: int
    right: float
    wrong: float
    unanswered: float
    label_accuracy: float


@dataclass(frozen=True)
class HardMetrics:
    n: int
    covered: CoveredFigures
    other: OtherFigures
    two_part: TwoPartFigures
    chatter: ChatterFigures
    per_kind: dict[str, KindFigures]
    calibration: Calibration  # of the raw confidence (threshold 0) on single-request messages
    language_accuracy: float
    cost: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _covered(pairs: Sequence[tuple[Outcome, Prediction]]) -> CoveredFigures:
    n = len(pairs)
    return CoveredFigures(
        n=n,
        wrong=_share(sum(o.wrong for o, _ in pairs), n),
        unanswered=_share(sum(o.unanswered for o, _ in pairs), n),
        dismissed=_share(sum(o.unanswered and p.reason == NOT_A_REQUEST for o, p in pairs), n),
        label_accuracy=_share(sum(o.right_label for o, _ in pairs), n),
    )


def _other(pairs: Sequence[tuple[Outcome, Prediction]]) -> OtherFigures:
    n = len(pairs)
    return OtherFigures(
        n=n,
        handed_over=_share(sum(o.right for o, _ in pairs), n),
        paid=_share(sum(o.paid for o, _ in pairs), n),
        in_scope=_share(sum(p.verdict == IN_SCOPE for _, p in pairs), n),
        dismissed=_share(sum(p.reason == NOT_A_REQUEST for _, p in pairs), n),
    )


def evaluate_hard(
    predictions: Sequence[Prediction],
    examples: Sequence[HardExample],
    *,
    label_info: Mapping[str, Mapping[str, str]],
    raw: Sequence[Prediction],
    languages: Sequence[str],
) -> HardMetrics:
    """Figures of `predictions` (made with the model's threshold) on `examples`.

    `raw` are the same messages decided with threshold 0, for the calibration of the confidence itself;
    `languages` the language detected for each message.
    """
    if not (len(predictions) == len(examples) == len(raw) == len(languages)) or not examples:
        raise ValueError("need the same, non-zero number of predictions, raw predictions, languages and examples")
    outcomes = [score(p, e, label_info) for p, e in zip(predictions, examples, strict=True)]
    pairs = list(zip(outcomes, predictions, strict=True))
    by_expected: dict[str, list[tuple[Outcome, Prediction]]] = {}
    for outcome, prediction in pairs:
        by_expected.setdefault(outcome.expected, []).append((outcome, prediction))
    two_part = by_expected.get(MIXED, [])
    chatter = by_expected.get(NOT_A_REQUEST_EXPECTED, [])
    per_kind = {}
    for kind in sorted({e.kind for e in examples}):
        group = [o for o, e in zip(outcomes, examples, strict=True) if e.kind == kind]
        per_kind[kind] = KindFigures(
            n=len(group),
            right=_share(sum(o.right for o in group), len(group)),
            wrong=_share(sum(o.wrong for o in group), len(group)),
            unanswered=_share(sum(o.unanswered for o in group), len(group)),
            label_accuracy=_share(sum(o.right_label for o in group), len(group)),
        )
    single = [(o, r) for o, r in zip(outcomes, raw, strict=True) if o.expected != MIXED]
    return HardMetrics(
        n=len(examples),
        covered=_covered(by_expected.get(IN_SCOPE, []) + by_expected.get(OUT_OF_SCOPE, [])),
        other=_other(by_expected.get(HANDOVER, [])),
        two_part=TwoPartFigures(
            n=len(two_part),
            both=_share(sum(o.right for o, _ in two_part), len(two_part)),
            label_accuracy=_share(sum(o.right_label for o, _ in two_part), len(two_part)),
        ),
        chatter=ChatterFigures(
            n=len(chatter),
            not_a_request=_share(sum(o.right for o, _ in chatter), len(chatter)),
            answered=_share(sum(o.wrong for o, _ in chatter), len(chatter)),
        ),
        per_kind=per_kind,
        calibration=calibration([r.confidence for _, r in single], [raw_correct(r, o.expected) for o, r in single]),
        language_accuracy=_share(
            sum(lang == e.lang for lang, e in zip(languages, examples, strict=True)), len(examples)
        ),
        cost=total_cost(outcomes),
    )


def format_hard_report(m: HardMetrics) -> str:
    """The hard-set figures for people, with the targets they are held to."""
    c, o, t, ch = m.covered, m.other, m.two_part, m.chatter
    lines = [
        f"messages              {m.n}",
        f"covered requests      n={c.n}: wrong verdict {c.wrong:.1%} (target <= 2%), not answered "
        f"{c.unanswered:.1%} (target <= 8%; of which dismissed as no request {c.dismissed:.1%}), "
        f"label accuracy {c.label_accuracy:.1%}",
        f"not covered (other)   n={o.n}: handed over {o.handed_over:.1%} (target >= 90%), told paid service "
        f"{o.paid:.1%} (target <= 3%), told included {o.in_scope:.1%}, dismissed {o.dismissed:.1%}",
        f"two-part messages     n={t.n}: answered part by part with both verdicts {t.both:.1%} (target >= 70%), "
        f"every part on its row {t.label_accuracy:.1%}",
        f"chatter               n={ch.n}: not a request {ch.not_a_request:.1%} (target >= 95%), "
        f"given a verdict {ch.answered:.1%}",
        f"calibration           ECE {m.calibration.ece:.3f} over {m.calibration.n} single-request messages "
        f"(confidence before the threshold)",
        f"language              {m.language_accuracy:.1%} answered in the message's language",
        f"cost                  {m.cost:.0f} (wrong verdict 5, unanswered request 1)",
        "",
        f"{'per kind':20} {'n':>4} {'right':>7} {'wrong':>7} {'unanswered':>10} {'label':>7}",
    ]
    for kind, k in m.per_kind.items():
        lines.append(f"  {kind:18} {k.n:4d} {k.right:7.1%} {k.wrong:7.1%} {k.unanswered:10.1%} {k.label_accuracy:7.1%}")
    return "\n".join(lines)


def measure_hard(classifier: Classifier, examples: Sequence[HardExample]) -> HardMetrics:
    """Classify `examples` once and score them (with the model's threshold, and raw for the calibration)."""
    scored = classifier.score_texts([e.text for e in examples])
    return evaluate_hard(
        classifier.predictions(scored, explain=False),
        examples,
        label_info=classifier.label_info,
        raw=classifier.predictions(scored, explain=False, threshold=0.0),
        languages=[detect_language(e.text) for e in examples],
    )
