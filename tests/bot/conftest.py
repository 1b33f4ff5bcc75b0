"""Fixtures of the bot tests: a fake Slack Web API and a fresh store per test (SQLite, or PostgreSQL too for
tests marked `postgres`)."""

import pytest

from bot.db import Store
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def store(db_url):
    # The same database as the `settings` fixture's, so an app built from those settings shares it.
    s = Store.open(db_url)
    yield s
    s.close()
