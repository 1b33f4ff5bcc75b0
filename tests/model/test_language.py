"""German or English, also for terse messages; decisive terms are never function words."""

import pytest

from model.language import FUNCTION_WORDS, detect_language


@pytest.mark.parametrize(
    "text", ["Kubernetes Cluster aufsetzen", "Rechnung fehlt", "Konto gesperrt", "GPU nicht erkannt", "quota erhöhen"]
)
def test_terse_german_is_german(text):
    assert detect_language(text) == "de"


@pytest.mark.parametrize("text", ["invoice wrong?", "deploy vms pls", "Can you reset my 2FA?", "dashboard 500"])
def test_english_is_english(text):
    assert detect_language(text) == "en"


def test_function_words_of_both_languages_are_known_but_topics_are_not():
    assert {"im", "sollen", "auf", "unserer", "the", "for", "bitte", "thanks"} <= FUNCTION_WORDS
    assert not {"rechnung", "invoice", "vpn", "kubernetes", "system", "bill"} & FUNCTION_WORDS
