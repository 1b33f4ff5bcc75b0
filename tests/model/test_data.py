import pytest

from bot.settings import PROJECT_ROOT
from model.data import dataset_from_pairs, load_dev_set, load_training_dir
from model.errors import TrainingDataError


def test_every_label_has_at_least_60_training_and_20_dev_examples(catalog, train_set, dev_set):
    train, dev = train_set.counts(), dev_set.counts()
    for label in catalog.labels:
        assert train[label] >= 60, label
        assert dev[label] >= 20, label


def test_dev_set_is_never_trained_on(train_set, dev_set):
    train = {" ".join(t.lower().split()) for t in train_set.texts}
    assert not [t for t in dev_set.texts if " ".join(t.lower().split()) in train]


def test_unknown_label_in_training_file_is_named(tmp_path, catalog):
    (tmp_path / "x.yml").write_text("label: cstack.coffee\nexamples: [make me a coffee]\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"x\.yml: key 'label': unknown label 'cstack\.coffee'"):
        load_training_dir(tmp_path, catalog)


DATA = PROJECT_ROOT / "training_data"


def test_missing_labels_and_empty_examples_are_reported(tmp_path, catalog):
    (tmp_path / "a.yml").write_text("label: none\nexamples: [hi]\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"no training examples for cloudgpu\.account"):
        load_training_dir(tmp_path, catalog)
    (tmp_path / "a.yml").write_text("label: none\nexamples: ['', hi]\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"examples'\[0\]: must be a non-empty string"):
        load_training_dir(tmp_path, catalog)


def test_dev_file_shape_and_labels_are_checked(tmp_path, catalog):
    dev = tmp_path / "dev.yml"
    dev.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="key 'labels'"):
        load_dev_set(dev, catalog)
    dev.write_text("labels:\n  cstack.nope: [x]\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"unknown label 'cstack\.nope'"):
        load_dev_set(dev, catalog)


def test_fingerprint_changes_with_any_pair(catalog):
    a = dataset_from_pairs([("hello", "none"), ("2fa broken", "cstack.account")], catalog=catalog, source="t")
    b = dataset_from_pairs([("hello", "none"), ("2fa broken", "cloudgpu.account")], catalog=catalog, source="t")
    assert a.fingerprint() != b.fingerprint()
    assert (
        a.fingerprint()
        == dataset_from_pairs(list(zip(a.texts, a.labels, strict=True)), catalog=catalog, source="t").fingerprint()
    )


def test_an_empty_dev_set_is_a_clear_error(tmp_path, catalog):
    dev = tmp_path / "dev.yml"
    dev.write_text("labels: {}\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="nothing to evaluate on"):
        load_dev_set(dev, catalog)


def test_the_hard_set_is_big_covers_every_kind_and_its_split_is_fixed_by_the_texts_hash(catalog):
    import hashlib

    from model.data import HARD_KINDS, load_hard_set

    examples = load_hard_set(DATA / "hard_dev.yml", catalog)
    assert len(examples) >= 500
    assert {e.kind for e in examples} == set(HARD_KINDS)
    for e in examples:
        key = " ".join(e.text.split()).casefold().encode()
        assert e.split == ("test" if int(hashlib.sha256(key).hexdigest()[:8], 16) % 2 else "tune")
        for text, _ in e.parts:
            assert text in e.text
    tune = load_hard_set(DATA / "hard_dev.yml", catalog, split="tune")
    assert 0 < len(tune) < len(examples) and all(e.split == "tune" for e in tune)
    assert all(e.parts for e in examples if e.kind == "multi_part")


def test_no_evaluation_text_is_in_the_training_phrasings_not_even_nearly(catalog, train_set, dev_set):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from model.data import load_hard_set

    evaluation = [e.text for e in load_hard_set(DATA / "hard_dev.yml", catalog)] + list(dev_set.texts)
    key = {" ".join(t.split()).casefold() for t in train_set.texts}
    assert not [t for t in evaluation if " ".join(t.split()).casefold() in key]
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit(
        list(train_set.texts) + evaluation
    )
    similarity = cosine_similarity(vectors.transform(list(train_set.texts)), vectors.transform(evaluation))
    # New phrasings within 0.6 of an evaluation text were dropped when they were merged; a greeting cliché
    # ("Frohe Weihnachten und einen guten Rutsch!") may still come close by chance.
    assert similarity.max() <= 0.85, "a training phrasing is a near copy of an evaluation text"


@pytest.mark.parametrize(
    ("item", "error"),
    [
        ({"text": "x", "kind": "weird", "lang": "de", "split": "tune", "label": "none"}, "key 'kind'"),
        ({"text": "x", "kind": "terse", "lang": "fr", "split": "tune", "label": "none"}, "'lang'"),
        ({"text": "x", "kind": "terse", "lang": "de", "split": "tune"}, "either 'label' or 'parts'"),
        ({"text": "x", "kind": "terse", "lang": "de", "split": "tune", "label": "cstack.nope"}, "unknown label"),
        (
            {
                "text": "a b",
                "kind": "multi_part",
                "lang": "de",
                "split": "tune",
                "parts": [{"text": "c", "label": "none"}],
            },
            "not a span",
        ),
    ],
)
def test_a_malformed_hard_example_names_its_place(tmp_path, catalog, item, error):
    import yaml

    from model.data import load_hard_set

    path = tmp_path / "hard.yml"
    path.write_text(yaml.safe_dump({"examples": [item]}), encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"examples\[0\]") as caught:
        load_hard_set(path, catalog)
    assert error in str(caught.value)
