"""Retraining end to end: real SQLite feedback, real training, real model versions on disk."""

from __future__ import annotations

import pytest
from filelock import FileLock

from bot.db import AcceptedFeedback, Store
from bot.errors import RetrainLockedError
from bot.serve.live_model import LiveClassifier
from bot.services.feedback import record_feedback
from bot.services.model_lock import LOCK_FILE
from bot.services.retrain import retrain, split_feedback, text_key
from bot.services.retrain_report import format_report
from model.artifacts import ModelStore
from model.classifier import Classifier

# A made-up product nickname the shipped phrasings never use; staff teach that it means plan setup.
TAUGHT = "cstack.plan_setup"
TAUGHT_TEXTS = [
    "the frobnozzle glorbix is wobbling, can you look?",
    "our frobnozzle glorbix keeps wobbling since monday",
    "Unser Frobnozzle-Glorbix wackelt schon wieder",
    "frobnozzle glorbix wobble again on the new project",
    "hi, glorbix of the frobnozzle wobbling, please help",
    "Der Glorbix am Frobnozzle wackelt, was tun?",
    "frobnozzle glorbix: wobbling after we booked it",
    "is the frobnozzle glorbix supposed to wobble like this?",
    "Frobnozzle Glorbix wackelt seit der Buchung",
    "wobbling frobnozzle glorbix, ticket please",
    "help! frobnozzle glorbix wobbles nonstop",
    "Hallo, bei uns wackelt der Frobnozzle Glorbix",
    "the glorbix on our frobnozzle started wobbling today",
    "frobnozzle glorbix wobbling for the whole team",
    "Guten Tag, unser Frobnozzle-Glorbix wackelt ständig",
]
FRESH = "hey team, our frobnozzle glorbix is wobbling once more"


@pytest.fixture
def store(settings):
    store = Store.open(settings.db_url)
    yield store
    store.close()


@pytest.fixture
def feedback_store(tmp_path):
    """A database only, for tests that need no model."""
    store = Store.open(f"sqlite:///{tmp_path / 'feedback.db'}")
    yield store
    store.close()


def _accepted(store: Store, pairs: list[tuple[str, str, str]]) -> None:
    """Insert accepted feedback with explicit acceptance times: (text, label, reviewed_at)."""
    store.feedback.add_many(
        AcceptedFeedback(text=t, label=lbl, reviewed_at=at, source="cli", user_id="cli", reviewed_by="cli")
        for t, lbl, at in pairs
    )


# --- feedback preparation (no training) ------------------------------------------------------------------------


def test_latest_accepted_label_wins_and_conflict_is_listed(feedback_store, catalog):
    _accepted(
        feedback_store,
        [
            ("Where is my invoice?", "cstack.orders", "2026-01-01T10:00:00+00:00"),
            ("Reset my 2FA please", "cstack.account", "2026-01-01T10:00:00+00:00"),
            ("  where IS my   invoice? ", "cloudgpu.orders", "2026-01-03T10:00:00+00:00"),
            # Created later, but accepted earlier than the row above: acceptance order decides.
            ("WHERE is my invoice?", "cstack.ui", "2026-01-02T10:00:00+00:00"),
        ],
    )
    split = split_feedback(feedback_store.feedback.accepted(), dev_texts=[], labels=catalog.labels)
    assert split.accepted == 4
    assert sorted(split.train + split.held_out) == [
        ("  where IS my   invoice? ", "cloudgpu.orders"),
        ("Reset my 2FA please", "cstack.account"),
    ]
    assert len(split.conflicts) == 1
    conflict = split.conflicts[0]
    assert conflict.labels == ("cstack.orders", "cstack.ui", "cloudgpu.orders")
    assert conflict.winner == "cloudgpu.orders"


def test_split_is_deterministic_and_holds_out_about_a_fifth(feedback_store, catalog):
    pairs = [(f"request number {i} about the frobnozzle", "cstack.ui", "2026-01-01T10:00:00+00:00") for i in range(400)]
    _accepted(feedback_store, pairs)
    items = feedback_store.feedback.accepted()
    first = split_feedback(items, dev_texts=[], labels=catalog.labels)
    second = split_feedback(list(reversed(items)), dev_texts=[], labels=catalog.labels)
    assert {t for t, _ in first.held_out} == {t for t, _ in second.held_out}
    assert 0.12 < len(first.held_out) / 400 < 0.28
    assert len(first.train) + len(first.held_out) == 400


def test_dev_set_texts_and_stale_labels_are_not_trained_on(feedback_store, catalog, dev_set):
    dev_text = dev_set.texts[0]
    at = "2026-01-01T10:00:00+00:00"
    _accepted(feedback_store, [(dev_text.upper(), "cstack.ui", at), ("some text", "gone.row", at)])
    split = split_feedback(feedback_store.feedback.accepted(), dev_texts=dev_set.texts, labels=catalog.labels)
    assert (split.in_dev, split.stale) == (1, 1)
    assert split.train == () and split.held_out == ()
    assert text_key(" A  b\tC ") == "a b c"


# --- retraining (each test trains once) -------------------------------------------------------------------------


def test_taught_phrasing_is_learned_promoted_and_hot_reloaded(settings, store, catalog):
    before = Classifier.load(settings.model_dir)
    assert before.classify(FRESH).label != TAUGHT, "precondition: the current model must not know the phrasing yet"
    live = LiveClassifier(settings.model_dir)
    for text in TAUGHT_TEXTS:
        record_feedback(store, catalog=catalog, text=text, label=TAUGHT, source="cli", trusted=True, user_id="cli")

    report = retrain(settings=settings, store=store)

    assert report.promoted, report.reason
    assert report.current_version == before.version
    assert report.counts.feedback_accepted == len(TAUGHT_TEXTS)
    assert report.counts.feedback_used + report.counts.feedback_held_out == len(TAUGHT_TEXTS)
    assert report.evaluation.current.verdict_accuracy > 0.8
    after = Classifier.load(settings.model_dir)
    assert after.version == report.candidate_version != before.version
    assert after.classify(FRESH).label == TAUGHT
    assert after.manifest.parent_version == before.version
    assert after.manifest.notes["feedback_used"] == report.counts.feedback_used
    assert after.manifest.notes["gate"]["promoted"] is True

    assert live.maybe_reload()
    assert live.version == report.candidate_version
    assert live.classify(FRESH).label == TAUGHT

    text = format_report(report)
    assert "PROMOTED" in text and report.candidate_version in text
    assert report.to_dict()["metrics"]["candidate"]["per_row"][TAUGHT]["support"] > 0

    # Rollback brings back the old behaviour.
    assert ModelStore(settings.model_dir).rollback() == before.version
    assert Classifier.load(settings.model_dir).classify(FRESH).label != TAUGHT


def test_flipped_labels_are_rejected_and_current_stays(settings, store, train_set):
    model_store = ModelStore(settings.model_dir)
    current = model_store.current_version()
    # Two old copies of the current model, to see pruning work around the rejected candidate.
    pipeline, manifest = model_store.load(current)
    fields = {
        k: getattr(manifest, k) for k in ("data_hash", "threshold", "labels", "metrics", "params", "train_counts")
    }
    old = sorted(
        model_store.save(pipeline, {**fields, "created_at": f"2000-01-0{i}T00:00:00+00:00"}).version for i in (1, 2)
    )

    # Someone "corrects" every account phrasing to custom code and vice versa: in-scope and out-of-scope swap.
    # The held-out slice of this feedback agrees with the candidate, so only the curated sets can expose it.
    swap = {"cstack.account": "cloudgpu.custom_code", "cloudgpu.custom_code": "cstack.account"}
    poison = [
        AcceptedFeedback(text=text + suffix, label=swap[label], source="import", user_id="cli", reviewed_by="cli")
        for text, label in zip(train_set.texts, train_set.labels, strict=True)
        if label in swap
        for suffix in ("", " please")
    ]
    store.feedback.add_many(poison)

    report = retrain(settings=settings.with_overrides(keep_versions=2), store=store)

    assert not report.promoted
    assert model_store.current_version() == current
    assert Classifier.load(settings.model_dir).version == current
    blocking = {(r.dataset, r.row) for r in report.worse_rows if r.blocking}
    assert {("dev set", row) for row in swap} <= blocking, report.worse_rows
    # Less sure of the swapped rows, the candidate hands many of them over instead of answering wrongly, so its
    # accuracy on what it answers may hold; the collapsed rows give it away.
    assert "dev set: recall collapsed for" in report.reason
    kept = model_store.manifest(report.candidate_version)  # rejected, but kept for inspection
    assert kept.notes["gate"]["promoted"] is False
    assert kept.parent_version == current
    assert sorted(report.pruned) == old
    assert "REJECTED" in format_report(report)


def test_crash_between_saving_and_switching_leaves_current_untouched(settings, store):
    model_store = ModelStore(settings.model_dir)
    current = model_store.current_version()
    switched: list[str] = []

    def crash(version: str) -> None:
        switched.append(version)
        raise OSError("power cut while switching")

    with pytest.raises(OSError, match="power cut"):
        retrain(settings=settings, store=store, promote=crash)

    assert switched, "the unchanged data must pass the gate, so the switch must have been attempted"
    assert model_store.current_version() == current
    assert Classifier.load(settings.model_dir).version == current
    assert switched[0] in {m.version for m in model_store.versions()}  # written before the switch
    with FileLock(settings.model_dir / LOCK_FILE, timeout=0):
        pass  # the crashed run released its lock


def test_second_run_is_refused_while_the_lock_is_held(settings, store):
    model_store = ModelStore(settings.model_dir)
    versions = [m.version for m in model_store.versions()]
    with (
        FileLock(settings.model_dir / LOCK_FILE, timeout=0),
        pytest.raises(RetrainLockedError, match="another retrain is running"),
    ):
        retrain(settings=settings, store=store)
    assert [m.version for m in model_store.versions()] == versions
