"""bot.outbox against the local fake Slack Web API: calls are stored first, retried after failures, sent once."""

import time

import pytest
from slack_sdk import WebClient

from bot.outbox import MAX_ATTEMPTS, Outbox
from support.slack_requests import BOT_TOKEN


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
        submission_key="view:V1",
        requester_id="U0REQ",
        origin_channel_id=None,
        original_text="x",
        detected_label=None,
        product="cstack",
        what="set up our cluster",
        timeline="soon",
        contact="a@example.com",
        lang="en",
    )
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.5)
    outbox.send(
        "chat.postMessage", {"channel": "C0QUOTES", "text": "staff"}, purpose="quote_staff_post", purpose_id=quote.id
    )
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


@pytest.mark.parametrize("error", ["channel_not_found", "invalid_blocks", "cannot_dm_bot", "cant_update_message"])
def test_a_permanent_slack_error_gives_the_call_up_at_once_and_logs_it(error, fake, store, caplog):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.01)
    fake.fail("chat.postMessage", times=1, error=error, status=200)
    assert (
        outbox.send(
            "chat.postMessage", {"channel": "C0GONE", "text": "quote"}, purpose="quote_staff_post", purpose_id=42
        )
        is False
    )
    assert (store.pending_outbox_count(), store.failed_outbox_count()) == (0, 1)
    time.sleep(0.1)
    assert outbox.flush() == 0
    assert fake.calls_to("chat.postMessage") == []  # never tried again, although Slack would take it now
    [record] = [r for r in caplog.records if r.name == "bot.outbox" and r.levelname == "ERROR"]
    message = record.getMessage()
    assert "quote_staff_post #42" in message and error in message


def test_a_call_that_keeps_failing_is_given_up_after_max_attempts(fake, store, caplog):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.0001)
    fake.fail("chat.postMessage", times=MAX_ATTEMPTS)
    outbox.send("chat.postMessage", {"channel": "C0QUOTES", "text": "quote"}, purpose="test")
    assert flush_until_delivered(outbox, store) == 0
    assert store.failed_outbox_count() == 1
    time.sleep(0.1)
    assert outbox.flush() == 0
    assert fake.calls_to("chat.postMessage") == []  # the 13th attempt would have succeeded: there is none
    assert [r for r in caplog.records if r.levelname == "ERROR" and f"{MAX_ATTEMPTS} attempts" in r.getMessage()]


def test_a_rate_limited_call_waits_as_long_as_slack_asks_without_using_up_an_attempt(fake, store):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.01)
    fake.fail("chat.postMessage", times=1, error="ratelimited", status=429, retry_after=1)
    started = time.monotonic()
    assert outbox.send("chat.postMessage", {"channel": "C0QUOTES", "text": "quote"}, purpose="test") is False
    time.sleep(0.3)
    assert outbox.flush() == 0  # our own backoff (0.01 s) would have retried by now
    assert flush_until_delivered(outbox, store) == 0
    assert time.monotonic() - started >= 1.0
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["quote"]
    assert store.failed_outbox_count() == 0


def test_flush_can_deliver_only_one_records_calls(fake, store):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.5)
    store.enqueue(
        method="chat.postMessage",
        payload={"channel": "C0A", "text": "other quote"},
        purpose="quote_confirmation",
        purpose_id=1,
    )
    store.enqueue(
        method="chat.postMessage",
        payload={"channel": "C0B", "text": "this quote"},
        purpose="quote_confirmation",
        purpose_id=2,
    )
    assert outbox.flush(purpose_id=2, purposes=["quote_confirmation"]) == 1
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["this quote"]
    assert store.pending_outbox_count() == 1
