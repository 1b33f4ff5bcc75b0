"""bot.outbox against the local fake Slack Web API: calls are stored first, retried after failures, sent once."""

import time

import pytest
from slack_sdk import WebClient

from bot.outbox import Outbox
from bot.store import Store
from support.fake_slack import FakeSlack
from support.slack_requests import BOT_TOKEN


@pytest.fixture
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def store(tmp_path):
    s = Store.open(f"sqlite:///{tmp_path / 'outbox.db'}")
    yield s
    s.close()


def flush_until_delivered(outbox, store, *, timeout=10.0):
    deadline = time.monotonic() + timeout
    while store.pending_outbox_count() and time.monotonic() < deadline:
        outbox.flush()
        time.sleep(0.05)
    return store.pending_outbox_count()


def test_a_call_is_sent_at_once(fake, store):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.5)
    assert outbox.send("chat.postMessage", {"channel": "C0QUOTES", "text": "hello"}, purpose="test") is True
    [call] = fake.calls_to("chat.postMessage")
    assert call.params == {"channel": "C0QUOTES", "text": "hello"}
    assert store.pending_outbox_count() == 0


def test_a_failed_call_is_kept_and_delivered_once_by_a_later_flush(fake, store):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.2)
    fake.fail("chat.postMessage", times=1)
    assert outbox.send("chat.postMessage", {"channel": "C0QUOTES", "text": "quote"}, purpose="test") is False
    assert fake.calls_to("chat.postMessage") == []
    assert store.pending_outbox_count() == 1
    assert flush_until_delivered(outbox, store) == 0
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["quote"]
    assert outbox.flush() == 0


def test_the_staff_post_remembers_where_it_landed(fake, store):
    quote, _ = store.create_quote(
        submission_key="view:V1", requester_id="U0REQ", origin_channel_id=None, original_text="x", detected_label=None,
        product="cstack", what="set up our cluster", timeline="soon", contact="a@example.com", lang="en",
    )
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.5)
    outbox.send("chat.postMessage", {"channel": "C0QUOTES", "text": "staff"}, purpose="quote_staff_post", purpose_id=quote.id)
    [call] = fake.calls_to("chat.postMessage")
    stored = store.quote(quote.ref)
    assert stored.staff_channel_id == "C0QUOTES" and stored.staff_message_ts
    assert stored.staff_message_ts != quote.staff_message_ts


def test_a_claim_outlasts_one_http_attempt_even_with_quick_retries(fake, store):
    # While one worker waits for Slack (up to the client's timeout), no other worker may send the same call.
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url, timeout=30)
    outbox = Outbox(store, client, retry_seconds=0.5)
    assert outbox.lease_seconds > client.timeout
    assert Outbox(store, client, retry_seconds=3600).lease_seconds == 3600
