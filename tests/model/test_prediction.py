import pytest

from model.prediction import Part, combine_parts, decide

INFO = {
    "cstack.account": {"product": "cstack", "verdict": "in_scope"},
    "cloudgpu.account": {"product": "cloudgpu", "verdict": "in_scope"},
    "cstack.deploy_networks": {"product": "cstack", "verdict": "out_of_scope"},
    "cloudgpu.custom_code": {"product": "cloudgpu", "verdict": "out_of_scope"},
    "other": {"product": "", "verdict": "unsure"},
    "none": {"product": "", "verdict": "unsure"},
}


def probs(**p):
    return {label: p.get(label.replace(".", "_"), 0.0) for label in INFO}


def test_verdict_uses_mass_summed_per_verdict_when_product_is_unclear():
    # "account" is clear, the product is not: each account row alone is below 0.5, together they are 0.9.
    d = decide(
        probs(cstack_account=0.46, cloudgpu_account=0.44, cstack_deploy_networks=0.10), label_info=INFO, threshold=0.6
    )
    assert (d.verdict, d.label, d.reason) == ("in_scope", "cstack.account", None)
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


def test_below_threshold_is_unsure_for_low_confidence_but_keeps_the_likely_row():
    d = decide(
        probs(cstack_account=0.30, cloudgpu_custom_code=0.28, cstack_deploy_networks=0.22, none=0.20),
        label_info=INFO,
        threshold=0.55,
    )
    assert (d.verdict, d.label, d.reason) == ("unsure", "cloudgpu.custom_code", "low_confidence")
    assert d.confidence == pytest.approx(0.50)


def test_threshold_boundary_is_inclusive():
    d = decide(probs(cstack_account=0.6, cloudgpu_custom_code=0.4), label_info=INFO, threshold=0.6)
    assert d.verdict == "in_scope"


def test_top_label_none_is_not_a_request_and_other_is_not_covered():
    d = decide(probs(none=0.5, cstack_account=0.3, cloudgpu_account=0.2), label_info=INFO, threshold=0.5)
    assert (d.verdict, d.label, d.reason) == ("unsure", "none", "not_a_request")
    # `other` wins even though the in-scope rows together hold more: no row covers the request.
    d = decide(probs(other=0.45, cstack_account=0.3, cloudgpu_account=0.25), label_info=INFO, threshold=0.5)
    assert (d.verdict, d.label, d.reason) == ("unsure", "other", "not_covered")


def part(text, start, label, verdict, confidence=0.9):
    return Part(text=text, start=start, end=start + len(text), label=label, verdict=verdict, confidence=confidence)


TEXT = "Invoice wrong. Also please build us a VPN. And a second VPN."


def test_parts_with_an_included_and_a_paid_request_make_a_mixed_message():
    parts = [
        part("Invoice wrong.", 0, "cstack.account", "in_scope"),
        part("Also please build us a VPN.", 15, "cstack.deploy_networks", "out_of_scope", 0.8),
        part("And a second VPN.", 43, "cstack.deploy_networks", "out_of_scope", 0.7),
    ]
    mixed = combine_parts(TEXT, parts)
    assert mixed is not None
    # Adjacent parts of one row and verdict are one request, spanning both, as sure as the less sure one.
    assert [(p.label, p.verdict, p.text) for p in mixed] == [
        ("cstack.account", "in_scope", "Invoice wrong."),
        ("cstack.deploy_networks", "out_of_scope", "Also please build us a VPN. And a second VPN."),
    ]
    assert mixed[1].confidence == pytest.approx(0.7)
    assert TEXT[mixed[1].start : mixed[1].end] == mixed[1].text


def test_parts_that_agree_or_are_unsure_or_no_request_leave_one_verdict():
    agree = [
        part("Invoice wrong.", 0, "cstack.account", "in_scope"),
        part("And 2FA.", 15, "cloudgpu.account", "in_scope"),
    ]
    assert combine_parts(TEXT, agree) is None
    unsure = [
        part("Invoice wrong.", 0, "cstack.account", "in_scope"),
        part("VPN?", 15, "cstack.deploy_networks", "unsure"),
    ]
    assert combine_parts(TEXT, unsure) is None
    chatter = [part("Invoice wrong.", 0, "cstack.account", "in_scope"), part("Thanks!", 15, "none", "unsure")]
    assert combine_parts(TEXT, chatter) is None
