"""bot.slack.outbox against the local fake Slack Web API: calls are stored first, retried after failures, sent once."""

import time

import pytest
from slack_sdk import WebClient

from bot.db import OutboxCall
from bot.slack.outbox import MAX_ATTEMPTS, Outbox
from tests.support.slack_requests import BOT_TOKEN


def call(text, *, channel="C0QUOTES", purpose="test"):
    return OutboxCall(method="chat.postMessage", payload={"channel": channel, "text": text}, purpose=purpose)


def flush_until_delivered(outbox, store, *, timeout=10.0):
    deadline = time.monotonic() + timeout
    while store.outbox.pending_count() and time.monotonic() < deadline:
        outbox.flush()
        time.sleep(0.05)
    return store.outbox.pending_count()


def test_a_call_is_sent_at_once(fake, store):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.5)
    assert outbox.send(call("hello")) is True
    [sent] = fake.calls_to("chat.postMessage")
    assert sent.params == {"channel": "C0QUOTES", "text": "hello"}
    assert store.outbox.pending_count() == 0


def test_a_failed_call_is_kept_and_delivered_once_by_a_later_flush(fake, store):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.2)
    fake.fail("chat.postMessage", times=1)
    assert outbox.send(call("quote")) is False
    assert fake.calls_to("chat.postMessage") == []
    assert store.outbox.pending_count() == 1
    assert flush_until_delivered(outbox, store) == 0
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["quote"]
    assert outbox.flush() == 0


def test_the_delivery_hook_is_told_of_each_delivered_call_with_slacks_answer(fake, store):
    delivered = []
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    outbox = Outbox(
        store, client, retry_seconds=0.01, on_delivered=lambda item, response: delivered.append((item, response))
    )
    fake.fail("chat.postMessage", times=1)
    assert outbox.send(call("staff", purpose="quote_staff_post"), purpose_id=7) is False
    assert delivered == []  # a failed call is not reported
    assert flush_until_delivered(outbox, store) == 0
    [(item, response)] = delivered
    assert (item.purpose, item.purpose_id, item.payload["text"]) == ("quote_staff_post", 7, "staff")
    [posted] = fake.calls_to("chat.postMessage")
    assert response["channel"] == posted.params["channel"] == "C0QUOTES" and response["ts"]


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
    assert outbox.send(call("quote", channel="C0GONE", purpose="quote_staff_post"), purpose_id=42) is False
    assert (store.outbox.pending_count(), store.outbox.failed_count()) == (0, 1)
    time.sleep(0.1)
    assert outbox.flush() == 0
    assert fake.calls_to("chat.postMessage") == []  # never tried again, although Slack would take it now
    [record] = [r for r in caplog.records if r.name == "bot.slack.outbox" and r.levelname == "ERROR"]
    message = record.getMessage()
    assert "quote_staff_post #42" in message and error in message


def test_a_call_that_keeps_failing_is_given_up_after_max_attempts(fake, store, caplog):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.0001)
    fake.fail("chat.postMessage", times=MAX_ATTEMPTS)
    outbox.send(call("quote"))
    assert flush_until_delivered(outbox, store) == 0
    assert store.outbox.failed_count() == 1
    time.sleep(0.1)
    assert outbox.flush() == 0
    assert fake.calls_to("chat.postMessage") == []  # the 13th attempt would have succeeded: there is none
    assert [r for r in caplog.records if r.levelname == "ERROR" and f"{MAX_ATTEMPTS} attempts" in r.getMessage()]


def test_a_rate_limited_call_waits_as_long_as_slack_asks_without_using_up_an_attempt(fake, store):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.01)
    fake.fail("chat.postMessage", times=1, error="ratelimited", status=429, retry_after=1)
    started = time.monotonic()
    assert outbox.send(call("quote")) is False
    time.sleep(0.3)
    assert outbox.flush() == 0  # our own backoff (0.01 s) would have retried by now
    assert flush_until_delivered(outbox, store) == 0
    assert time.monotonic() - started >= 1.0
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["quote"]
    assert store.outbox.failed_count() == 0


def test_flush_can_deliver_only_one_records_calls(fake, store):
    outbox = Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.5)
    store.outbox.enqueue(call("other quote", channel="C0A", purpose="quote_confirmation"), purpose_id=1)
    store.outbox.enqueue(call("this quote", channel="C0B", purpose="quote_confirmation"), purpose_id=2)
    assert outbox.flush(purpose_id=2, purposes=["quote_confirmation"]) == 1
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["this quote"]
    assert store.outbox.pending_count() == 1
