"""Fixtures of the CLI tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def env(tmp_path, model_root, monkeypatch):
    """Point the CLI at a private database and model root (and away from any developer .env or Slack tokens)."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SCOPE_BOT_KEEP_VERSIONS"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "cli.db"
    monkeypatch.setenv("SCOPE_BOT_DB", str(db))
    monkeypatch.setenv("SCOPE_BOT_MODEL_DIR", str(model_root))
    return {"db": db, "models": model_root}
