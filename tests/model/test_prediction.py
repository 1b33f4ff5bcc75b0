import pytest

from model.prediction import decide

INFO = {
    "cstack.account": {"product": "cstack", "verdict": "in_scope"},
    "cloudgpu.account": {"product": "cloudgpu", "verdict": "in_scope"},
    "cstack.deploy_networks": {"product": "cstack", "verdict": "out_of_scope"},
    "cloudgpu.custom_code": {"product": "cloudgpu", "verdict": "out_of_scope"},
    "none": {"product": "", "verdict": "unsure"},
}


def probs(**p):
    return {label: p.get(label.replace(".", "_"), 0.0) for label in INFO}


def test_verdict_uses_mass_summed_per_verdict_when_product_is_unclear():
    # "account" is clear, the product is not: each account row alone is below 0.5, together they are 0.9.
    d = decide(
        probs(cstack_account=0.46, cloudgpu_account=0.44, cstack_deploy_networks=0.10), label_info=INFO, threshold=0.6
    )
    assert (d.verdict, d.label, d.low_confidence) == ("in_scope", "cstack.account", False)
    assert d.confidence == pytest.approx(0.90)


def test_label_is_the_best_row_of_the_winning_verdict_not_the_top_row():
    # The single top row is in scope, but the out-of-scope rows hold more mass together.
    d = decide(
        probs(cstack_account=0.40, cstack_deploy_networks=0.32, cloudgpu_custom_code=0.28),
        label_info=INFO,
        threshold=0.5,
    )
    assert (d.verdict, d.label) == ("out_of_scope", "cstack.deploy_networks")
    assert d.confidence == pytest.approx(0.60)


def test_below_threshold_is_unsure_but_keeps_the_likely_row():
    d = decide(
        probs(cstack_account=0.30, cloudgpu_custom_code=0.28, cstack_deploy_networks=0.22, none=0.20),
        label_info=INFO,
        threshold=0.55,
    )
    assert (d.verdict, d.label, d.low_confidence) == ("unsure", "cloudgpu.custom_code", True)
    assert d.confidence == pytest.approx(0.50)


def test_threshold_boundary_is_inclusive():
    d = decide(probs(cstack_account=0.6, cloudgpu_custom_code=0.4), label_info=INFO, threshold=0.6)
    assert d.verdict == "in_scope"


def test_top_label_none_is_unsure_without_a_row():
    d = decide(probs(none=0.5, cstack_account=0.3, cloudgpu_account=0.2), label_info=INFO, threshold=0.5)
    assert (d.verdict, d.label, d.low_confidence) == ("unsure", "none", False)
