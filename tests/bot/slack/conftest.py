"""Fixtures of the listener tests: a Bolt app wired to the fake Slack, driven through signed requests."""

from __future__ import annotations

import pytest

from bot.slack.app import create_app
from tests.support.slack_requests import BOT_TOKEN, REVIEWER, SIGNING_SECRET


@pytest.fixture
def bot_settings(settings, fake):
    """Settings of a bot that talks to the fake Slack, with REVIEWER as its one reviewer."""
    return settings.with_overrides(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        quotes_channel="C0QUOTES",
        reviewer_users=frozenset({REVIEWER}),
    )


@pytest.fixture
def app(bot_settings, classifier, store):
    return create_app(bot_settings, classifier, store)
