import pytest

from bot.serve.runtime import build_runtime
from tests.support.slack_requests import BOT_TOKEN, SIGNING_SECRET


@pytest.fixture
def runtime(settings, fake):
    """A web runtime (Bolt app, store, live model) against the fake Slack, its background tasks not started."""
    rt = build_runtime(
        settings.with_overrides(
            slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.api_url
        )
    )
    yield rt
    rt.stop()
