from model.prediction import Prediction
from model.training import MAX_UNSURE_RATE, THRESHOLD_GRID, apply_threshold, choose_threshold

INFO = {
    "a.in": {"product": "a", "verdict": "in_scope"},
    "a.out": {"product": "a", "verdict": "out_of_scope"},
    "none": {"product": "", "verdict": "unsure"},
}


def pred(label, verdict, confidence):
    return Prediction(
        label=label,
        product="a",
        verdict=verdict,
        confidence=confidence,
        label_probability=confidence,
        alternatives=(),
        explanation=(),
        model_version="t",
        low_confidence=False,
    )


def test_apply_threshold_only_touches_real_rows():
    assert apply_threshold(pred("a.in", "in_scope", 0.7), 0.8) == "unsure"
    assert apply_threshold(pred("a.in", "in_scope", 0.8), 0.8) == "in_scope"
    assert apply_threshold(pred("none", "unsure", 0.2), 0.9) == "unsure"


def test_threshold_hands_over_wrong_low_confidence_answers_when_cheaper():
    # Ten confident right answers; two wrong ones at 0.62 and 0.64: handing both over (cost 2) beats answering (cost 6).
    raw = [pred("a.in", "in_scope", 0.95)] * 10 + [
        pred("a.out", "out_of_scope", 0.62),
        pred("a.out", "out_of_scope", 0.64),
    ]
    truths = ["a.in"] * 10 + ["a.in", "a.in"]
    # 2 handovers of 12 requests is 16.7 %, above the 10 % cap, so only one can be handed over.
    assert MAX_UNSURE_RATE < 2 / 12
    assert choose_threshold(raw, truths, label_info=INFO) == 0.63


def test_threshold_stays_at_the_floor_when_everything_is_right():
    raw = [pred("a.in", "in_scope", 0.55), pred("a.out", "out_of_scope", 0.9)]
    assert choose_threshold(raw, ["a.in", "a.out"], label_info=INFO) == THRESHOLD_GRID[0] == 0.5
