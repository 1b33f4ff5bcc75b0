"""Shared fixtures: the real catalog and phrasings, and one model trained once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Settings
from model.artifacts import ModelStore
from model.catalog import load_catalog
from model.classifier import Classifier
from model.data import load_dev_set, load_hard_set, load_training_dir
from model.training import save_trained, train_model

DATA = PROJECT_ROOT / "training_data"


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(DATA / "catalog.yml")


@pytest.fixture(scope="session")
def train_set(catalog):
    return load_training_dir(DATA / "train", catalog)


@pytest.fixture(scope="session")
def dev_set(catalog):
    return load_dev_set(DATA / "dev.yml", catalog)


@pytest.fixture(scope="session")
def tune_set(catalog):
    return load_hard_set(DATA / "hard_dev.yml", catalog, split="tune")


@pytest.fixture(scope="session")
def trained(train_set, dev_set, tune_set, catalog):
    """One model fitted on the real training data (no CV search, to keep the suite quick)."""
    return train_model(train=train_set, dev=dev_set, tune_set=tune_set, label_info=catalog.label_info(), tune=False)


@pytest.fixture(scope="session")
def session_model_root(tmp_path_factory, trained) -> Path:
    """A model root with the session model saved and current; tests must not modify it (copy it instead)."""
    root = tmp_path_factory.mktemp("models")
    store = ModelStore(root)
    manifest = save_trained(store, trained)
    store.promote(manifest.version)
    return root


@pytest.fixture
def model_root(tmp_path, session_model_root) -> Path:
    """A private copy of the session model root, free to promote, roll back or break."""
    import shutil

    root = tmp_path / "models"
    shutil.copytree(session_model_root, root)
    return root


@pytest.fixture(scope="session")
def classifier(session_model_root) -> Classifier:
    return Classifier.load(session_model_root)


@pytest.fixture
def settings(tmp_path, model_root) -> Settings:
    """Settings for an isolated install: own database, model root and reports directory."""
    return Settings(
        db_url=f"sqlite:///{tmp_path / 'scope-bot.db'}",
        model_dir=model_root,
        reports_dir=tmp_path / "reports",
        channel_pace_seconds=0.0,  # pacing has its own tests; here several posts to one channel go out at once
    )
