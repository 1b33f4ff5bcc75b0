from model.normalize import normalize_text
from model.vocabulary import known_share

VOCABULARY = {"vm", "gpu", "rechnung", "fehlt", "wackelt", "install"}


def test_the_share_counts_content_words_only_and_a_text_of_function_words_is_fully_known():
    assert known_share(normalize_text("Die Rechnung fehlt"), vocabulary=VOCABULARY) == 1.0
    assert known_share(normalize_text("unser Frobnozzle wackelt"), vocabulary=VOCABULARY) == 0.5
    assert known_share(normalize_text("frobnozzle glorbix wobbling"), vocabulary=VOCABULARY) == 0.0
    assert known_share(normalize_text("Hallo und danke!"), vocabulary=VOCABULARY) == 1.0
    assert known_share(normalize_text("install 2 GPU"), vocabulary=VOCABULARY) == 1.0  # numbers aside
