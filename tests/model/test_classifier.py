import sys
import threading
import warnings

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
    assert m.verdict_accuracy >= 0.97
    assert m.label_accuracy >= 0.90
    assert m.unsure_rate <= 0.10


def test_explanation_names_topic_words_never_function_words_or_markers(classifier):
    from model.language import FUNCTION_WORDS

    for text in [
        "Wer richtet mir das DNS für meine Domain ein?",
        "Can you write the training loop for my model?",
        "Im Projekt sollen auf unserer Seite keine VMs laufen, wir brauchen nur die Kontingente",
    ]:
        terms = classifier.classify(text).explanation
        assert terms, text
        for term in terms:
            words = term.split()
            assert words[0] not in FUNCTION_WORDS and words[-1] not in FUNCTION_WORDS, terms
            assert not any(w.startswith(("neg_", "done_")) for w in words), terms


def test_a_request_no_row_covers_is_handed_over_as_not_covered(classifier):
    for text in ["Is there an outage in your Frankfurt data center right now?", "Wo finde ich euren AV-Vertrag?"]:
        p = classifier.classify(text)
        assert (p.label, p.verdict, p.reason, p.row, p.product) == ("other", "unsure", "not_covered", None, "")


def test_a_message_with_an_included_and_a_paid_request_is_mixed_with_both_parts(classifier):
    text = "Unsere Rechnung vom Mai kam doppelt. Außerdem bräuchten wir jemanden, der uns Ollama installiert."
    p = classifier.classify(text)
    assert p.verdict == "mixed" and p.reason is None
    assert [(x.label, x.verdict) for x in p.parts] == [
        (p.parts[0].label, "in_scope"),
        ("cloudgpu.third_party_frameworks", "out_of_scope"),
    ]
    assert p.parts[0].label in ("cstack.orders", "cloudgpu.orders")
    for part in p.parts:
        assert text[part.start : part.end] == part.text
    assert p.confidence == min(x.confidence for x in p.parts)


def test_a_single_request_has_one_part_spanning_the_message(classifier):
    text = "Bitte installiert uns PyTorch und TensorFlow auf der H100."
    p = classifier.classify(text)
    assert p.verdict == "out_of_scope"
    [part] = p.parts
    assert (part.text, part.start, part.end, part.label, part.verdict) == (text, 0, len(text), p.label, p.verdict)


def test_contract_of_to_dict(classifier):
    data = classifier.classify("Wo finde ich euren AV-Vertrag?").to_dict()
    assert {
        "label",
        "row",
        "product",
        "verdict",
        "reason",
        "confidence",
        "alternatives",
        "explanation",
        "parts",
    } <= set(data)
    assert data["reason"] == "not_covered" and data["row"] is None
    assert data["parts"][0].keys() == {"text", "start", "end", "label", "verdict", "confidence", "reason"}


def test_threads_classifying_at_once_print_no_stray_warning(classifier, dev_set, monkeypatch):
    # scikit-learn's Parallel resets the process-wide warning filters around each call; unguarded, threads that
    # classify at once (a web worker's) race on them and print a UserWarning line into the log.
    shown = []
    monkeypatch.setattr(warnings, "showwarning", lambda message, *_args, **_kwargs: shown.append(str(message)))
    texts = list(dev_set.texts[:100])
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.00001)  # switch threads often, as a busy worker does
    try:
        threads = [threading.Thread(target=lambda: [classifier.classify(t) for t in texts]) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert shown == []


def test_an_unsure_message_that_asks_nothing_is_not_a_request_but_a_question_or_a_report_is_handed_over(classifier):
    import dataclasses

    import numpy as np

    classes = list(classifier.pipeline.classes_)
    # A made-up spread over rows of both verdicts, no verdict above the threshold, `none` not on top.
    spread = np.full(len(classes), 0.0)
    for label, p in {"cloudgpu.custom_code": 0.3, "cloudgpu.vm_setup": 0.25, "none": 0.2, "cstack.ui": 0.25}.items():
        spread[classes.index(label)] = p
    texts = [
        "unsere GPUs glühen heute, das Training rennt richtig schnell :fire:",
        "Könnt ihr euch das Training ansehen?",
        "Die VM ist neu. Trotzdem findet nvidia-smi keine GPU.",
    ]
    scored = classifier.score_texts(texts)
    scored = dataclasses.replace(scored, part_rows=((), (), ()), probabilities=np.vstack([spread] * 3))
    chatter, request, report = classifier.predictions(scored, explain=False, threshold=0.7)
    assert (chatter.verdict, chatter.reason, chatter.label) == ("unsure", "not_a_request", "none")
    assert (request.verdict, request.reason) == ("unsure", "low_confidence")
    assert (report.verdict, report.reason) == ("unsure", "low_confidence")


def test_a_message_that_says_it_asks_nothing_is_not_a_request_however_technical(classifier):
    for text in [
        "nur zur Info, keine Frage: nvidia-smi zeigt auf der neuen A100 exakt die 80GB :ok_hand:",
        "hat sich erledigt, die Floating IP hing noch am alten Port. Ticket kann zu.",
    ]:
        p = classifier.classify(text)
        assert (p.verdict, p.reason, p.label) == ("unsure", "not_a_request", "none"), text
    p = classifier.classify("FYI: nvidia-smi zeigt auf der neuen GPU-VM keine GPU, könnt ihr das prüfen?")
    assert p.reason != "not_a_request"
