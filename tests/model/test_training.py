"""Choosing the unsure threshold by cost, and what the trained session model chose."""

import pytest

from model.calibration import THRESHOLD_GRID, calibration, choose_threshold
from model.scoring import score, total_cost


def test_the_cheapest_threshold_wins_and_ties_go_to_the_lowest():
    costs = {0.3: 10.0, 0.5: 4.0, 0.6: 4.0, 0.9: 7.0}
    assert choose_threshold(lambda t: costs.get(t, 99.0), grid=sorted(costs)) == 0.5


def test_the_grid_has_no_floor_that_switches_the_threshold_off():
    assert min(THRESHOLD_GRID) <= 0.35 and max(THRESHOLD_GRID) >= 0.95
    assert list(THRESHOLD_GRID) == sorted(THRESHOLD_GRID)


def test_the_trained_threshold_is_the_cheapest_on_the_tune_split(trained, tune_set, catalog):
    classifier, info = trained.classifier, catalog.label_info()
    scored = classifier.score_texts([e.text for e in tune_set])

    def cost(threshold):
        predictions = classifier.predictions(scored, explain=False, threshold=threshold)
        return total_cost([score(p, e, info) for p, e in zip(predictions, tune_set, strict=True)])

    chosen = cost(trained.threshold)
    assert all(chosen <= cost(t) for t in THRESHOLD_GRID)
    assert trained.threshold in THRESHOLD_GRID


def test_calibration_error_is_zero_when_confidence_matches_accuracy_and_grows_with_overconfidence():
    # 10 answers at 0.8 of which 8 right: perfectly calibrated.
    assert calibration([0.8] * 10, [True] * 8 + [False] * 2).ece == pytest.approx(0.0)
    over = calibration([0.95] * 10, [True] * 5 + [False] * 5)
    assert over.ece == pytest.approx(0.45)
    [bin_] = over.bins
    assert (bin_.n, bin_.accuracy, bin_.confidence) == (10, 0.5, pytest.approx(0.95))
    mixed = calibration([0.05, 0.95, 1.0], [False, True, True])
    assert [b.n for b in mixed.bins] == [1, 2] and mixed.ece == pytest.approx((1 * 0.05 + 2 * 0.025) / 3)
