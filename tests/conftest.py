"""Shared fixtures: the real catalog and phrasings, one model trained once per test session, and the database
(SQLite; also a throwaway PostgreSQL server for tests marked `postgres`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Settings
from model.artifacts import ModelStore
from model.catalog import load_catalog
from model.classifier import Classifier
from model.data import load_dev_set, load_hard_set, load_training_dir
from model.training import save_trained, train_model
from tests.support.postgres import Databases, find_bindir, start_server

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


def pytest_generate_tests(metafunc):
    """Tests marked `postgres` that use the database run once on SQLite and once on PostgreSQL (unless they
    choose their `db_backend` themselves, with `parametrize(..., indirect=True)`)."""
    chosen = any("db_backend" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize"))
    if "db_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("postgres") and not chosen:
        metafunc.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def db_backend(request) -> str:
    """sqlite, or postgres for the second run of a test marked `postgres`."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_databases():
    """A throwaway PostgreSQL server for the session, started on first use. Skipped without PostgreSQL's
    binaries, except on CI (CI=true), where a missing server is a failure."""
    bindir = find_bindir()
    if bindir is None:
        reason = "PostgreSQL's binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    server = start_server(bindir)
    yield Databases(server)
    server.stop()


def _fresh_database(request, db_backend: str, tmp_path: Path, *, empty: bool):
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'scope-bot.db'}"
        return
    databases = request.getfixturevalue("postgres_databases")
    name, url = databases.create(empty=empty)
    yield url
    databases.drop(name)


@pytest.fixture
def db_url(request, db_backend, tmp_path):
    """The URL of a fresh, empty database for this test: an SQLite file, or a new PostgreSQL database."""
    yield from _fresh_database(request, db_backend, tmp_path, empty=False)


@pytest.fixture
def empty_db_url(request, db_backend, tmp_path):
    """As db_url, but on PostgreSQL without even the schema (made from template0): for migrating old schemas."""
    yield from _fresh_database(request, db_backend, tmp_path, empty=True)


@pytest.fixture
def settings(db_url, tmp_path, model_root) -> Settings:
    """Settings for an isolated install: own database, model root and reports directory."""
    return Settings(
        db_url=db_url,
        model_dir=model_root,
        reports_dir=tmp_path / "reports",
        channel_pace_seconds=0.0,  # pacing has its own tests; here several posts to one channel go out at once
    )
