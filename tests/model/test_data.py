import pytest

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
