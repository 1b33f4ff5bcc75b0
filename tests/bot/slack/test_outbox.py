"""bot.slack.outbox against the local fake Slack Web API: calls are stored first, retried after failures, sent once."""

import threading
import time

import pytest
from slack_sdk import WebClient

from bot.db import OutboxCall
from bot.slack.outbox import MAX_ATTEMPTS, PARK_ERRORS, Outbox
from bot.slack.pacing import ChannelPacer
from bot.slack.replies import respond_call
from bot.slack.sent_check import OUTBOX_ID_FIELD
from tests.support.slack_requests import BOT_TOKEN

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL


def call(text, *, channel="C0QUOTES", purpose="test"):
    return OutboxCall(method="chat.postMessage", payload={"channel": channel, "text": text}, purpose=purpose)


def flush_until_delivered(outbox, store, *, timeout=10.0):
    deadline = time.monotonic() + timeout
    while store.outbox.pending_count() and time.monotonic() < deadline:
        outbox.flush()
        time.sleep(0.05)
    return store.outbox.pending_count()


def client(fake, **options):
    return WebClient(token=BOT_TOKEN, base_url=fake.api_url, retry_handlers=[], **options)


def test_a_call_is_sent_at_once_tagged_with_its_outbox_id(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.5)
    assert outbox.send(call("hello")) is True
    [sent] = fake.calls_to("chat.postMessage")
    assert {k: sent.params[k] for k in ("channel", "text")} == {"channel": "C0QUOTES", "text": "hello"}
    assert sent.params["metadata"]["event_payload"] == {OUTBOX_ID_FIELD: 1}
    assert store.outbox.pending_count() == 0


def test_the_tag_keeps_the_metadata_a_post_already_has(fake, store):
    verdict = {"event_type": "scope_triage", "event_payload": {"verdict_id": 9, "label": "cstack.ui"}}
    queued = OutboxCall(
        method="chat.postMessage", payload={"channel": "C0A", "text": "x", "metadata": verdict}, purpose="mention_reply"
    )
    assert Outbox(store, client(fake)).send(queued)
    [sent] = fake.calls_to("chat.postMessage")
    assert sent.params["metadata"] == {
        "event_type": "scope_triage",
        "event_payload": {"verdict_id": 9, "label": "cstack.ui", OUTBOX_ID_FIELD: 1},
    }


def test_a_failed_call_is_kept_and_delivered_once_by_a_later_flush(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.2)
    fake.fail("chat.postMessage", times=1)
    assert outbox.send(call("quote")) is False
    assert fake.calls_to("chat.postMessage") == []
    assert store.outbox.pending_count() == 1
    assert flush_until_delivered(outbox, store) == 0
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["quote"]
    assert outbox.flush() == 0


def test_the_delivery_hook_is_told_of_each_delivered_call_with_slacks_answer(fake, store):
    delivered = []
    outbox = Outbox(
        store, client(fake), retry_seconds=0.01, on_delivered=lambda item, response: delivered.append((item, response))
    )
    fake.fail("chat.postMessage", times=1)
    assert outbox.send(call("staff", purpose="quote_staff_post"), purpose_id=7) is False
    assert delivered == []  # a failed call is not reported
    assert flush_until_delivered(outbox, store) == 0
    [(item, response)] = delivered
    assert (item.purpose, item.purpose_id, item.payload["text"]) == ("quote_staff_post", 7, "staff")
    [posted] = fake.calls_to("chat.postMessage")
    assert response["channel"] == posted.params["channel"] == "C0QUOTES" and response["ts"]


def test_a_claim_outlasts_a_history_check_and_a_send(fake, store):
    # While one worker waits for Slack (up to the client's timeout, twice), no other worker may send the same call.
    slow = client(fake, timeout=30)
    assert Outbox(store, slow, retry_seconds=0.5).lease_seconds > 2 * slow.timeout


@pytest.mark.parametrize("error", ["invalid_blocks", "cannot_dm_bot", "cant_update_message", "msg_too_long"])
def test_a_permanent_slack_error_gives_the_call_up_at_once_and_logs_it(error, fake, store, caplog):
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
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
    outbox = Outbox(store, client(fake), retry_seconds=0.0001)
    fake.fail("chat.postMessage", times=MAX_ATTEMPTS)
    outbox.send(call("quote"))
    assert flush_until_delivered(outbox, store) == 0
    assert store.outbox.failed_count() == 1
    time.sleep(0.1)
    assert outbox.flush() == 0
    assert fake.calls_to("chat.postMessage") == []  # the 13th attempt would have succeeded: there is none
    assert [r for r in caplog.records if r.levelname == "ERROR" and f"failed {MAX_ATTEMPTS} times" in r.getMessage()]


def test_a_rate_limited_call_waits_as_long_as_slack_asks_without_using_up_an_attempt(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
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
    outbox = Outbox(store, client(fake), retry_seconds=0.5)
    store.outbox.enqueue(call("other quote", channel="C0A", purpose="quote_confirmation"), purpose_id=1)
    store.outbox.enqueue(call("this quote", channel="C0B", purpose="quote_confirmation"), purpose_id=2)
    assert outbox.flush(purpose_id=2, purposes=["quote_confirmation"]) == 1
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["this quote"]
    assert store.outbox.pending_count() == 1


# --- parked: an auth or channel error waits for a person, and is never lost ------------------------------------


@pytest.mark.parametrize("error", ["invalid_auth", "not_in_channel", "channel_not_found", "token_revoked"])
def test_an_auth_or_channel_error_parks_the_call_until_it_is_requeued(error, fake, store, caplog):
    assert error in PARK_ERRORS
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
    fake.fail("chat.postMessage", times=1, error=error, status=200)
    assert outbox.send(call("quote", purpose="quote_staff_post"), purpose_id=42) is False
    assert (store.outbox.pending_count(), store.outbox.parked_count(), store.outbox.failed_count()) == (1, 1, 0)
    time.sleep(0.1)
    assert outbox.flush() == 0  # parked for minutes, not for the quick retry
    assert fake.calls_to("chat.postMessage") == []
    [record] = [r for r in caplog.records if r.name == "bot.slack.outbox" and r.levelname == "ERROR"]
    assert "quote_staff_post #42" in record.getMessage() and error in record.getMessage()

    assert store.outbox.requeue() == 1  # `scope-bot outbox retry --all`, once the token or the invite is fixed
    assert outbox.flush() == 1
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["quote"]
    assert (store.outbox.pending_count(), store.outbox.parked_count()) == (0, 0)


def test_a_call_given_up_can_be_requeued_by_id(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
    fake.fail("chat.postMessage", times=1, error="msg_too_long", status=200)
    outbox.send(call("one"))
    outbox.send(call("two"))
    assert store.outbox.failed_count() == 1
    assert store.outbox.requeue([2]) == 0  # delivered: nothing to re-queue
    assert store.outbox.requeue([1]) == 1
    assert outbox.flush() == 1
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["two", "one"]


# --- sent once: a send that may have reached Slack is looked for before it is repeated ---------------------------


def test_a_post_slack_stored_but_did_not_confirm_is_found_in_history_and_not_sent_again(fake, store):
    delivered = []
    outbox = Outbox(store, client(fake), retry_seconds=0.01, on_delivered=lambda i, r: delivered.append(r))
    fake.fail_after_accepting("chat.postMessage", times=1)  # stored, then a 500
    assert outbox.send(call("staff post", purpose="quote_staff_post"), purpose_id=3) is False
    assert store.outbox.pending_count() == 1
    time.sleep(0.05)
    assert outbox.flush() == 1
    assert len(fake.calls_to("chat.postMessage")) == 1  # only the first, unconfirmed send
    assert [c.method for c in fake.calls if c.method.startswith("conversations.")] == ["conversations.history"]
    [message] = fake.messages
    assert delivered == [{"channel": "C0QUOTES", "ts": message["ts"], "message": {**message}}]


def test_a_thread_reply_and_a_direct_message_are_looked_for_where_they_land(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
    fake.fail_after_accepting("chat.postMessage", times=2)
    thread_reply = OutboxCall(
        method="chat.postMessage",
        payload={"channel": "C0A", "thread_ts": "1.000001", "text": "answer"},
        purpose="mention_reply",
    )
    outbox.send(thread_reply)
    outbox.send(call("your quote", channel="U0REQ", purpose="quote_confirmation"))
    time.sleep(0.05)
    assert outbox.flush() == 2
    assert len(fake.calls_to("chat.postMessage")) == 2
    looked = [(c.method, c.params.get("channel") or c.params.get("users")) for c in fake.calls]
    assert [x for x in looked if x[0].startswith("conversations.")] == [
        ("conversations.replies", "C0A"),  # a thread reply is looked for in its thread
        ("conversations.open", "U0REQ"),  # a DM to a user id: the DM's own id first
        ("conversations.history", "DU0REQ"),
    ]


def test_an_unconfirmed_post_that_did_not_land_is_sent_once_more(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
    fake.fail("chat.postMessage", times=1, status=503)  # a 5xx: Slack may or may not have it
    outbox.send(call("hello"))
    time.sleep(0.05)
    assert outbox.flush() == 1
    assert [c.method for c in fake.calls] == ["conversations.history", "chat.postMessage"]


def test_a_post_slack_refused_is_sent_again_without_looking(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
    fake.fail("chat.postMessage", times=1, status=200, error="internal_error")  # ok: false, so not stored
    outbox.send(call("hello"))
    time.sleep(0.05)
    assert outbox.flush() == 1
    assert [c.method for c in fake.calls] == ["chat.postMessage"]


def test_when_history_cannot_be_read_for_now_the_post_waits_instead_of_risking_a_duplicate(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
    fake.fail_after_accepting("chat.postMessage", times=1)
    outbox.send(call("hello"))
    fake.fail("conversations.history", times=1, status=500)
    time.sleep(0.05)
    assert outbox.flush() == 0
    time.sleep(0.05)
    assert outbox.flush() == 1  # the second look finds it
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_without_the_history_scope_the_post_is_sent_rather_than_lost(fake, store, caplog):
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
    fake.fail("chat.postMessage", times=1, status=503)
    outbox.send(call("hello"))
    fake.fail("conversations.history", times=1, status=200, error="missing_scope")
    time.sleep(0.05)
    assert outbox.flush() == 1
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert any("missing_scope" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


def test_each_row_has_its_own_lease_so_a_slow_slack_cannot_outlast_the_claim_of_a_waiting_row(fake, store):
    fake.latency = 0.2
    outbox = Outbox(store, client(fake, timeout=1), retry_seconds=0.01)
    for n in range(4):
        store.outbox.enqueue(call(f"m{n}"))
    # 4 sends of 0.2 s take longer than one lease would be if it had been taken for all of them at the start
    outbox.lease_seconds = 0.5
    other = Outbox(store, client(fake, timeout=1), retry_seconds=0.01)
    first = threading.Thread(target=outbox.flush)
    first.start()
    time.sleep(0.55)
    other.flush()
    first.join()
    texts = [c.params["text"] for c in fake.calls_to("chat.postMessage")]
    assert sorted(texts) == ["m0", "m1", "m2", "m3"]


# --- pacing and response_url --------------------------------------------------------------------------------------


def test_posts_to_one_channel_are_paced_and_the_rest_wait_their_turn(fake, store):
    now = [100.0]
    outbox = Outbox(store, client(fake), retry_seconds=0.01, pacer=ChannelPacer(1.0, clock=lambda: now[0]))
    assert outbox.send(call("a1", channel="C0A")) is True
    assert outbox.send(call("a2", channel="C0A")) is False  # within the second: held back, not tried
    assert outbox.send(call("b1", channel="C0B")) is True  # another channel has its own slot
    assert store.outbox.entries(states=("pending",))[0].attempts == 0
    now[0] += 1.0
    deadline = time.monotonic() + 5
    while store.outbox.pending_count() and time.monotonic() < deadline:
        outbox.flush()
        time.sleep(0.05)
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["a1", "b1", "a2"]


def test_a_response_url_answer_is_delivered_and_one_off_slacks_hosts_never_is(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.01, api_url=fake.api_url)
    answer = respond_call(response_url=fake.response_url("r1"), message={"text": "thanks"}, purpose="feedback_reply")
    assert outbox.send(answer) is True
    [posted] = fake.calls_to("response_url")
    assert posted.params == {"response_type": "ephemeral", "replace_original": False, "text": "thanks"}
    evil = respond_call(response_url="http://169.254.169.254/latest", message={"text": "x"}, purpose="feedback_reply")
    assert outbox.send(evil) is False
    assert store.outbox.failed_count() == 1 and len(fake.calls) == 1


def test_a_dedupe_key_queues_a_call_once(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.01)
    keyed = OutboxCall(
        method="chat.postMessage", payload={"channel": "C0A", "text": "sorry"}, purpose="apology", dedupe_key="k1"
    )
    assert outbox.send(keyed) is True
    assert store.outbox.enqueue(keyed) == 1
    assert outbox.send(keyed) is False  # already delivered: nothing to send
    assert len(fake.calls_to("chat.postMessage")) == 1
