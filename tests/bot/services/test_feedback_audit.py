"""The feedback audit against the session model: what contradicts a confident prediction waits for a reviewer."""

from bot.services.feedback_audit import MIN_KNOWN_SHARE, Auditor


def test_a_correction_against_a_confident_model_is_flagged_unless_the_model_knows_few_of_its_words(classifier):
    auditor = Auditor(classifier, min_confidence=0.9)
    known = "Could you install Ollama with Llama 3 on our GPU VM for us?"
    new_words = "hey team, our frobnozzle glorbix is wobbling once more"
    assert classifier.classify(known).alternatives[0].probability >= 0.9
    assert classifier.known_word_shares([known, new_words]) == [1.0, 0.0]
    relabelled, taught = auditor.audit_many([(known, "cloudgpu.vm_setup"), (new_words, "cstack.plan_setup")])
    assert relabelled.flagged and "sure it is cloudgpu.third_party_frameworks" in str(relabelled.flag_reason)
    # What the model says of mostly new words rests on the words around them: no evidence against staff.
    assert classifier.known_word_shares([new_words])[0] < MIN_KNOWN_SHARE and not taught.flagged
    assert auditor.audit(known, "cloudgpu.third_party_frameworks").flag_reason is None  # agreeing is never flagged
