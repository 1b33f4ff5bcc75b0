"""Scoring predictions on the hard dev set: what each message should get, what it got, and what that costs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from model.catalog import (
    IN_SCOPE,
    LOW_CONFIDENCE,
    MIXED,
    NOT_A_REQUEST,
    NOT_COVERED,
    OTHER_LABEL,
    OUT_OF_SCOPE,
    UNSURE,
)
from model.data import HardExample
from model.prediction import Prediction

# What the bot should do with a message.
HANDOVER = "handover"  # a request no row covers: hand it to an agent
NOT_A_REQUEST_EXPECTED = "not_a_request"  # chatter: say it is not a request, ping nobody
# A wrong verdict misleads a customer (a paid quote for centron's own outage, "included" for paid work); a
# handover costs an agent a minute. The unsure threshold is chosen to minimise the sum.
WRONG_COST = 5.0
UNANSWERED_COST = 1.0
ANSWERED_CHATTER_COST = 2.0


def expected_for_label(label: str, label_info: Mapping[str, Mapping[str, str]]) -> str:
    """What a single-request message of true label `label` should get: in_scope | out_of_scope | handover |
    not_a_request."""
    verdict = label_info[label]["verdict"]
    if verdict != UNSURE:
        return verdict
    return HANDOVER if label == OTHER_LABEL else NOT_A_REQUEST_EXPECTED


def expected_outcome(example: HardExample, label_info: Mapping[str, Mapping[str, str]]) -> str:
    """in_scope | out_of_scope | mixed | handover | not_a_request."""
    if example.parts:
        verdicts = {label_info[label]["verdict"] for _, label in example.parts} & {IN_SCOPE, OUT_OF_SCOPE}
        return MIXED if len(verdicts) == 2 else verdicts.pop()
    assert example.label is not None
    return expected_for_label(example.label, label_info)


def raw_correct(prediction: Prediction, expected: str) -> bool:
    """Whether a prediction made with threshold 0 decided a single-request message right (for calibration)."""
    if expected in (IN_SCOPE, OUT_OF_SCOPE):
        return prediction.verdict == expected
    if expected == HANDOVER:
        return prediction.reason == NOT_COVERED
    return prediction.reason == NOT_A_REQUEST


@dataclass(frozen=True)
class Outcome:
    expected: str
    verdict: str
    reason: str | None
    right: bool  # the verdict the message should get
    wrong: bool  # a verdict that misleads: the other verdict, a paid or included answer for an uncovered request
    unanswered: bool  # a request (covered, or part of one) that got no in/out answer
    right_label: bool
    paid: bool  # told "paid service" (out of scope, or a mixed answer with a paid part)

    @property
    def cost(self) -> float:
        """What this outcome costs (see WRONG_COST)."""
        if self.wrong:
            return ANSWERED_CHATTER_COST if self.expected == NOT_A_REQUEST_EXPECTED else WRONG_COST
        return 0.0 if self.right else UNANSWERED_COST


def score(prediction: Prediction, example: HardExample, label_info: Mapping[str, Mapping[str, str]]) -> Outcome:
    """How `prediction` fares against what `example` should get."""
    expected = expected_outcome(example, label_info)
    verdict, reason = prediction.verdict, prediction.reason
    answered = verdict in (IN_SCOPE, OUT_OF_SCOPE, MIXED)
    paid = verdict == OUT_OF_SCOPE or (verdict == MIXED and any(p.verdict == OUT_OF_SCOPE for p in prediction.parts))
    if expected in (IN_SCOPE, OUT_OF_SCOPE):
        right, wrong, unanswered = verdict == expected, answered and verdict != expected, not answered
    elif expected == MIXED:
        right, wrong, unanswered = verdict == MIXED, False, verdict != MIXED
    elif expected == HANDOVER:
        right = verdict == UNSURE and reason in (NOT_COVERED, LOW_CONFIDENCE)
        wrong, unanswered = answered, False
    else:
        right, wrong, unanswered = reason == NOT_A_REQUEST, answered, False
    if example.parts:
        right_label = {p.label for p in prediction.parts} == {label for _, label in example.parts}
    else:
        right_label = prediction.label in example.labels
    return Outcome(
        expected=expected,
        verdict=verdict,
        reason=reason,
        right=right,
        wrong=wrong,
        unanswered=unanswered,
        right_label=right_label,
        paid=paid,
    )


def total_cost(outcomes: Sequence[Outcome]) -> float:
    """The threshold's objective."""
    return sum(o.cost for o in outcomes)
