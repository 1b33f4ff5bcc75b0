"""Fixtures of the bot tests: a fake Slack Web API and a fresh SQLite store per test."""

import pytest

from bot.store import Store
from support.fake_slack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def store(tmp_path):
    s = Store.open(f"sqlite:///{tmp_path / 'scope-bot.db'}")
    yield s
    s.close()
