import pytest

from model.errors import InputError


def test_prediction_has_all_fields(classifier):
    p = classifier.classify("Können Sie mir PyTorch mit CUDA auf meiner GPU-VM installieren?")
    assert p.label == "cloudgpu.third_party_frameworks"
    assert (p.product, p.verdict) == ("cloudgpu", "out_of_scope")
    assert 0.5 <= p.confidence <= 1.0
    assert len(p.alternatives) == 3 and p.alternatives[0].label == p.label
    assert p.alternatives[0].probability >= p.alternatives[1].probability >= p.alternatives[2].probability
    assert "pytorch" in p.explanation
    assert p.model_version == classifier.version


def test_boundaries_between_setup_and_deployment(classifier):
    assert classifier.classify("Our cStack plan is booked but the project quotas are still 0").verdict == "in_scope"
    assert (
        classifier.classify("Please deploy a 3-node Kubernetes cluster in our cStack for us").verdict == "out_of_scope"
    )
    assert classifier.classify("nvidia-smi shows no GPU on my new Cloud GPU VM").verdict == "in_scope"


def test_greeting_is_not_a_request(classifier):
    p = classifier.classify("Moin zusammen, schönes Wochenende! :wave:")
    assert (p.label, p.verdict, p.row) == ("none", "unsure", None)


def test_classify_many_keeps_order_and_matches_single(classifier, dev_set):
    texts = list(dev_set.texts[:25])
    batch = classifier.classify_many(texts)
    assert [p.label for p in batch] == [classifier.classify(t).label for t in texts]


def test_empty_text_is_refused(classifier):
    with pytest.raises(InputError, match="empty"):
        classifier.classify("   ")


def test_long_unicode_input_is_truncated_not_rejected(classifier):
    p = classifier.classify("Mein 2FA Login im ccenter geht nicht 🙈 مرحبا " * 2000)
    assert p.verdict in ("in_scope", "out_of_scope", "unsure")


def test_dev_set_meets_the_targets(trained):
    m = trained.metrics
    assert m.verdict_accuracy >= 0.95
    assert m.label_accuracy >= 0.90
    assert m.unsure_rate <= 0.10


def test_explanation_names_topic_words_not_function_words(classifier):
    from model.language import FUNCTION_WORDS

    for text in ["Wer richtet mir das DNS für meine Domain ein?", "Can you write the training loop for my model?"]:
        terms = classifier.classify(text).explanation
        assert terms and all(not set(term.split()) <= FUNCTION_WORDS for term in terms), terms
