"""Retraining end to end: real SQLite feedback, real training, real model versions on disk."""

from __future__ import annotations

from datetime import datetime

import pytest
from filelock import FileLock

from bot.db import AcceptedFeedback, Store
from bot.errors import RetrainLockedError, ValidationError
from bot.serve.live_model import LiveClassifier
from bot.services.feedback import import_feedback, record_feedback, review_feedback
from bot.services.feedback_audit import load_auditor
from bot.services.feedback_split import is_held_out, split_feedback, text_key
from bot.services.model_store import LOCK_FILE
from bot.services.retrain import retrain
from bot.services.retrain_report import CONTESTED_SET, DEV_SET, TUNE_SET, format_report
from model.artifacts import ModelStore
from model.classifier import Classifier
from tests.support import poison

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL
# The gate's rejections train a model each on the same database reads as the promoted run: SQLite only, to keep the
# suite quick (the honest run and every feedback read run on PostgreSQL too).
GATE_ONLY_ON_SQLITE = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)

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
def feedback_store(db_url):
    """A database only, for tests that need no model."""
    store = Store.open(db_url)
    yield store
    store.close()


def _accepted(store: Store, pairs: list[tuple[str, str, str]]) -> None:
    """Insert accepted feedback with explicit acceptance times: (text, label, reviewed_at)."""
    store.feedback.add_many(
        AcceptedFeedback(
            text=t, label=lbl, reviewed_at=datetime.fromisoformat(at), source="cli", user_id="cli", reviewed_by="cli"
        )
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


def test_duplicates_count_once_and_repeating_a_phrasing_adds_nothing(feedback_store, catalog, train_set):
    at = "2026-01-01T10:00:00+00:00"
    phrasing, its_label = train_set.texts[0], train_set.labels[0]
    same = ["Ollama auf der GPU-VM?", "<@U042> ollama auf der gpu vm", "OLLAMA  auf der GPU VM!!"]
    same.append("Öllama auf der GPU-VM")
    _accepted(
        feedback_store,
        [(t, "cloudgpu.third_party_frameworks", at) for t in same] + [(phrasing.upper(), its_label, at)],
    )
    split = split_feedback(
        feedback_store.feedback.accepted(),
        dev_texts=[],
        labels=catalog.labels,
        phrasings=zip(train_set.texts, train_set.labels, strict=True),
    )
    # Mention, case, accents, punctuation and spacing aside the four are one text; the fifth is a YAML phrasing.
    assert [label for _, label in split.train + split.held_out] == ["cloudgpu.third_party_frameworks"]
    assert (split.accepted, split.duplicates, split.conflicts) == (5, 4, ())


# --- retraining (each test trains once) -------------------------------------------------------------------------


def test_honest_feedback_is_learned_promoted_and_hot_reloaded(settings, store, catalog, train_set):
    before = Classifier.load(settings.model_dir)
    assert before.classify(FRESH).label != TAUGHT, "precondition: the current model must not know the phrasing yet"
    live = LiveClassifier(ModelStore(settings.model_dir))
    auditor = load_auditor(settings, store)
    for text in TAUGHT_TEXTS:
        record_feedback(
            store, catalog=catalog, text=text, label=TAUGHT, source="cli", trusted=True, user_id="cli", auditor=auditor
        )
    # Words the model never saw can look like chatter to it, even "99 % sure". Where most of a text's words are
    # new, that is no evidence against staff: only the few items of mostly known words wait for a reviewer.
    flagged = store.feedback.find(status="pending")
    assert all(i.flagged for i in flagged) and len(flagged) <= len(TAUGHT_TEXTS) // 3, flagged
    for item in flagged:
        review_feedback(store, item.id, accept=True, reviewer="U0REVIEWER")
    # New wordings for existing rows, imported by staff: none contradicts what the model is sure of.
    genuine = list(poison.GENUINE)
    assert not {text_key(t) for t, _ in genuine} & {text_key(t) for t in train_set.texts}
    imported = import_feedback(store, genuine, auditor=auditor, user="cli", where="genuine.csv")
    assert (imported.accepted, imported.flagged) == (15, 0)

    report = retrain(settings=settings, store=store)

    assert report.promoted, report.reason
    assert report.current_version == before.version
    total = len(TAUGHT_TEXTS) + len(genuine)
    assert report.counts.feedback_accepted == total
    assert report.counts.feedback_used + report.counts.feedback_held_out == total
    # The confirmed nickname items are contested, but a few per row may pass.
    assert report.checks[CONTESTED_SET].n == len(flagged) if flagged else CONTESTED_SET not in report.checks
    assert {DEV_SET, TUNE_SET} <= report.checks.keys()
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
    # Learned: the candidate answers every genuine phrasing it was trained on with its row, the old model did not.
    trained = [(t, label) for t, label in genuine if not is_held_out(text_key(t))]
    texts, labels = [t for t, _ in trained], [label for _, label in trained]
    assert [p.label for p in after.classify_many(texts)] == labels
    assert [p.label for p in before.classify_many(texts)] != labels

    text = format_report(report)
    assert "PROMOTED" in text and report.candidate_version in text
    assert report.to_dict()["metrics"]["candidate"]["per_row"][TAUGHT]["support"] > 0

    # Rollback brings back the old behaviour.
    assert ModelStore(settings.model_dir).rollback() == before.version
    assert Classifier.load(settings.model_dir).classify(FRESH).label != TAUGHT


@GATE_ONLY_ON_SQLITE
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
    assert {(DEV_SET, row) for row in swap} <= blocking, report.worse_rows
    # Less sure of the swapped rows, the candidate hands many of them over instead of answering wrongly, so its
    # accuracy on what it answers may hold; the dev examples it no longer gets right give it away.
    assert f"{DEV_SET}: turned right answers wrong for" in report.reason
    kept = model_store.manifest(report.candidate_version)  # rejected, but kept for inspection
    assert kept.notes["gate"]["promoted"] is False
    assert kept.parent_version == current
    assert sorted(report.pruned) == old
    assert "REJECTED" in format_report(report)


def _force_in(store: Store, settings, pairs: list[tuple[str, str]]) -> int:
    """What a determined importer does: refused at first, --force, then a reviewer confirms every flagged item."""
    auditor = load_auditor(settings, store)
    with pytest.raises(ValidationError, match="is the label column shifted"):
        import_feedback(store, pairs, auditor=auditor, user="cli", where="feedback.csv")
    assert store.feedback.find() == []  # refused: nothing imported
    result = import_feedback(store, pairs, auditor=auditor, user="cli", where="feedback.csv", force=True)
    flagged = store.feedback.find(status="pending", flagged=True)
    assert len(flagged) == result.flagged  # these count only once reviewed
    assert len(store.feedback.accepted()) == result.accepted == len(pairs) - result.flagged
    for item in flagged:
        review_feedback(store, item.id, accept=True, reviewer="U0REVIEWER")
    return result.flagged


def _assert_rejected(report, settings, current: str) -> None:
    assert not report.promoted, report.reason
    assert ModelStore(settings.model_dir).current_version() == current
    assert ModelStore(settings.model_dir).manifest(report.candidate_version).notes["gate"]["promoted"] is False


@GATE_ONLY_ON_SQLITE
def test_twenty_relabelled_ollama_requests_are_flagged_and_when_confirmed_rejected(settings, store):
    current = ModelStore(settings.model_dir).current_version()
    assert _force_in(store, settings, poison.ollama_relabelling(20)) == 20

    report = retrain(settings=settings, store=store)

    _assert_rejected(report, settings, current)
    # Twenty messages hardly move the curated sets; the candidate adopting what the current model was sure is
    # wrong gives them away.
    contested = report.checks[CONTESTED_SET]
    assert contested.n == 20 and contested.lost > settings.gate_max_flips, contested
    assert f"{CONTESTED_SET}: turned right answers wrong for {poison.TRUE_LABEL}" in report.reason
    print(f"\n20 Ollama rows: {report.reason}; {report.checks}; worse {report.worse_rows}")


@GATE_ONLY_ON_SQLITE
def test_shifted_label_column_is_refused_and_when_confirmed_rejected(settings, store, catalog):
    from model.data import load_hard_set
    from tests.conftest import DATA

    fresh = [e for e in load_hard_set(DATA / "hard_dev.yml", catalog, split="test") if e.label]
    pairs = poison.shifted([e.text for e in fresh], [e.label for e in fresh], 190)
    current = ModelStore(settings.model_dir).current_version()
    flagged = _force_in(store, settings, pairs)
    assert flagged > 0.75 * len(pairs), flagged

    report = retrain(settings=settings, store=store)

    _assert_rejected(report, settings, current)
    # A few examples of every row turn wrong: hardly a row shows it, the curated sets as a whole do.
    limit = 3 * settings.gate_max_flips
    assert max(report.checks[DEV_SET].lost, report.checks[TUNE_SET].lost) > limit, report.checks
    assert f"right answers turned wrong (at most {limit})" in report.reason
    assert report.checks[CONTESTED_SET].lost > limit
    print(f"\nshifted column ({flagged} flagged of {len(pairs)}): {report.reason}; {report.checks}")


@GATE_ONLY_ON_SQLITE
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
