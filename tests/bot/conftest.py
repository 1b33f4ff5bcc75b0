"""Fixtures of the bot tests: a fake Slack Web API and a fresh SQLite store per test."""

import pytest

from bot.db import Store
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def store(tmp_path):
    # The same file as the `settings` fixture's database, so an app built from those settings shares it.
    s = Store.open(f"sqlite:///{tmp_path / 'scope-bot.db'}")
    yield s
    s.close()
