"""The review queue service: margins logged by triage, the items a reviewer sees, and answers that become accepted
feedback once (real SQLite store, the session model for triage and the audit)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.db import VerdictAlternative, VerdictPart
from bot.errors import NotFoundError, ValidationError
from bot.services.feedback_audit import Auditor
from bot.services.review_queue import (
    Candidate,
    answer_queue_item,
    queue_item,
    skip_queue_item,
    uncertain_queue,
)
from bot.services.triage import triage_message
from tests.support.verdicts import queue_texts, seed_verdict

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL

REVIEWER = "U0REVIEWER"
OUT_EN = "Could you install Ollama with Llama 3 on our GPU VM for us?"
MIXED_DE = "Unsere Rechnung vom Mai kam doppelt. Außerdem bräuchten wir jemanden, der uns Ollama installiert."


@pytest.fixture
def auditor(classifier):
    return Auditor(classifier, min_confidence=0.9)


def test_triage_logs_the_margin_between_the_top_two_rows_and_the_top_three(store, classifier, catalog):
    triage = triage_message(OUT_EN, classifier=classifier, catalog=catalog, store=store, source="mention")
    ranked = triage.prediction.alternatives
    logged = store.verdicts.get(triage.verdict_id)
    assert logged.margin == pytest.approx(ranked[0].probability - ranked[1].probability)
    assert [(a.label, a.probability) for a in logged.alternatives] == [
        (a.label, pytest.approx(a.probability, abs=1e-4)) for a in ranked
    ]
    assert len(logged.alternatives) == 3


def test_a_mixed_message_is_logged_with_its_least_sure_parts_margin_and_asked_about_by_that_part(
    store, classifier, catalog
):
    triage = triage_message(MIXED_DE, classifier=classifier, catalog=catalog, store=store, source="command")
    assert triage.verdict == "mixed"
    parts = triage.prediction.parts
    least = min(range(len(parts)), key=lambda i: parts[i].confidence)
    logged = store.verdicts.get(triage.verdict_id)
    assert logged.margin == pytest.approx(2 * parts[least].confidence - 1)

    [item] = uncertain_queue(store)
    assert (item.verdict_id, item.part, item.text, item.label) == (
        triage.verdict_id,
        least,
        parts[least].text,
        parts[least].label,
    )
    assert item.candidates[0] == Candidate(parts[least].label, None)  # the part has no per-row probabilities


def test_candidates_are_the_top_rows_with_probabilities_plus_the_bots_row_if_missing(store):
    verdict_id = seed_verdict(
        store,
        "which row?",
        margin=0.04,
        verdict="unsure",
        reason="low_confidence",
        label="cstack.account",  # best row of the winning verdict, not among the top three labels
    )
    item = queue_item(store.verdicts.get(verdict_id))
    assert item.candidates == (
        Candidate("cloudgpu.vm_setup", 0.46),
        Candidate("cloudgpu.third_party_frameworks", 0.41),
        Candidate("none", 0.05),
        Candidate("cstack.account", None),
    )
    old = seed_verdict(
        store, "logged before margins", margin=None, verdict="unsure", reason="not_covered", label="other"
    )
    assert queue_item(store.verdicts.get(old)).candidates == (Candidate("other", None),)


def test_a_click_records_accepted_feedback_once_however_often_it_comes(store, catalog, auditor):
    verdict_id = seed_verdict(store, "Our GPU VM setup is acting up, can you look?", margin=0.05)
    first = answer_queue_item(
        store,
        catalog=catalog,
        verdict_id=verdict_id,
        label="cloudgpu.third_party_frameworks",
        reviewer=REVIEWER,
        auditor=auditor,
    )
    assert first.decided
    feedback = first.feedback
    assert (feedback.status, feedback.label, feedback.predicted_label, feedback.source) == (
        "accepted",
        "cloudgpu.third_party_frameworks",
        "cloudgpu.vm_setup",
        "review_queue",
    )
    assert (feedback.reviewed_by, feedback.user_id, feedback.text) == (
        REVIEWER,
        REVIEWER,
        "Our GPU VM setup is acting up, can you look?",
    )
    again = answer_queue_item(
        store, catalog=catalog, verdict_id=verdict_id, label="cloudgpu.vm_setup", reviewer="U0OTHER", auditor=auditor
    )
    assert not again.decided
    assert (again.decision.decided_by, again.feedback.id) == (REVIEWER, feedback.id)
    assert [f.id for f in store.feedback.find()] == [feedback.id]
    assert uncertain_queue(store) == []


def test_a_reviewers_answer_is_accepted_even_against_a_confident_model_and_the_audit_is_kept(store, catalog, auditor):
    verdict_id = seed_verdict(store, OUT_EN, margin=0.1)
    result = answer_queue_item(
        store,
        catalog=catalog,
        verdict_id=verdict_id,
        label="cstack.deploy_instances_k8s",
        reviewer=REVIEWER,
        auditor=auditor,
    )
    assert result.feedback.status == "accepted"
    assert "sure it is cloudgpu.third_party_frameworks" in result.feedback.flag_reason


def test_a_skipped_message_leaves_the_queue_and_teaches_nothing(store, catalog, auditor):
    skipped = seed_verdict(store, "not useful", margin=0.01)
    seed_verdict(store, "still open", margin=0.02)
    result = skip_queue_item(store, verdict_id=skipped, reviewer=REVIEWER)
    assert (result.decided, result.decision.outcome, result.feedback) == (True, "skipped", None)
    assert queue_texts(uncertain_queue(store)) == ["still open"]
    late = answer_queue_item(
        store, catalog=catalog, verdict_id=skipped, label="none", reviewer="U0OTHER", auditor=auditor
    )
    assert (late.decided, late.feedback) == (False, None)
    assert store.feedback.find() == []


def test_an_unknown_row_or_verdict_records_nothing(store, catalog):
    verdict_id = seed_verdict(store, "coin toss", margin=0.01)
    with pytest.raises(ValidationError, match="unknown label"):
        answer_queue_item(
            store, catalog=catalog, verdict_id=verdict_id, label="cstack.nope", reviewer=REVIEWER, auditor=None
        )
    with pytest.raises(NotFoundError):
        answer_queue_item(store, catalog=catalog, verdict_id=999, label="none", reviewer=REVIEWER, auditor=None)
    assert store.feedback.find() == [] and store.verdicts.decision(verdict_id) is None
    assert queue_texts(uncertain_queue(store)) == ["coin toss"]
    with pytest.raises(ValidationError):
        uncertain_queue(store, limit=0)


def test_a_seeded_mixed_verdict_offers_its_part_first(store):
    parts = (
        VerdictPart(
            text="The invoice came twice.", start=0, end=23, label="cstack.orders", verdict="in_scope", confidence=0.93
        ),
        VerdictPart(
            text="Also install Ollama.",
            start=24,
            end=44,
            label="cloudgpu.third_party_frameworks",
            verdict="out_of_scope",
            confidence=0.74,
        ),
    )
    verdict_id = seed_verdict(
        store,
        "The invoice came twice. Also install Ollama.",
        margin=0.48,
        verdict="mixed",
        label="cstack.orders",
        parts=parts,
        alternatives=(VerdictAlternative("cstack.orders", 0.6), VerdictAlternative("cloudgpu.orders", 0.2)),
    )
    item = queue_item(store.verdicts.get(verdict_id))
    assert (item.part, item.text, item.label) == (1, "Also install Ollama.", "cloudgpu.third_party_frameworks")
    assert [c.label for c in item.candidates] == ["cloudgpu.third_party_frameworks", "cstack.orders", "cloudgpu.orders"]


def test_simultaneous_clicks_record_one_answer(store, catalog):
    verdict_id = seed_verdict(store, "coin toss", margin=0.01)
    start = threading.Barrier(4)

    def click(reviewer: str):
        start.wait()
        return answer_queue_item(
            store, catalog=catalog, verdict_id=verdict_id, label="none", reviewer=reviewer, auditor=None
        )

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(click, ["U1", "U2", "U3", "U4"]))
    assert sum(r.decided for r in results) == 1
    [item] = store.feedback.find()
    assert {r.feedback.id for r in results} == {item.id}
    assert item.reviewed_by == store.verdicts.decision(verdict_id).decided_by
