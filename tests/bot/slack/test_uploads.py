"""File uploads through the outbox against the fake Slack: files_upload_v2's three steps, retries, sent once."""

import time

from slack_sdk import WebClient

from bot.slack.outbox import Outbox
from bot.slack.uploads import UPLOAD, tagged_filename, upload_call
from tests.support.slack_requests import BOT_TOKEN

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # not text: the bytes must arrive as they are


def client(fake):
    return WebClient(token=BOT_TOKEN, base_url=fake.api_url, retry_handlers=[])


def chart_call(channel="C0REPORTS"):
    return upload_call(channel=channel, filename="chart.png", content=PNG, title="weekly chart", purpose="test")


def flush_until_delivered(outbox, store, *, timeout=10.0):
    deadline = time.monotonic() + timeout
    while store.outbox.pending_count() and time.monotonic() < deadline:
        outbox.flush()
        time.sleep(0.05)
    return store.outbox.pending_count()


def shared_files(fake, channel="C0REPORTS"):
    return [f["name"] for m in fake.messages if m["channel"] == channel for f in m.get("files") or []]


def test_the_row_holds_the_file_and_delivery_runs_the_three_upload_steps(fake, store):
    call = chart_call()
    assert call.method == UPLOAD and "content_base64" in call.payload
    assert Outbox(store, client(fake)).send(call) is True
    [url] = fake.calls_to("files.getUploadURLExternal")
    assert (url.params["filename"], url.params["length"]) == (tagged_filename("chart.png", 1), str(len(PNG)))
    [bytes_sent] = fake.calls_to("file_upload")
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "C0REPORTS"
    file_id = bytes_sent.params["file_id"]
    assert fake.files[file_id]["content"] == PNG and fake.files[file_id]["title"] == "weekly chart"
    assert shared_files(fake) == ["chart.outbox-1.png"]
    assert fake.calls_to("chat.postMessage") == []
    assert store.outbox.pending_count() == 0


def test_a_failed_upload_is_retried_and_shared_once(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.1)
    fake.fail("file_upload", times=1)  # the POST of the bytes answers 500
    assert outbox.send(chart_call()) is False
    assert shared_files(fake) == []
    assert flush_until_delivered(outbox, store) == 0
    assert len(fake.calls_to("files.getUploadURLExternal")) == 2  # a new upload URL for the second try
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    assert shared_files(fake) == ["chart.outbox-1.png"]


def test_an_upload_slack_shared_without_answering_is_found_in_history_and_not_shared_again(fake, store):
    outbox = Outbox(store, client(fake), retry_seconds=0.1)
    fake.fail_after_accepting("files.completeUploadExternal", times=1)
    assert outbox.send(chart_call()) is False
    assert shared_files(fake) == ["chart.outbox-1.png"]  # Slack has it, the outbox does not know
    assert flush_until_delivered(outbox, store) == 0
    assert fake.calls_to("conversations.history")
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    assert shared_files(fake) == ["chart.outbox-1.png"]


def test_a_row_without_a_valid_file_fails_for_good_without_calling_slack(fake, store):
    call = chart_call()
    broken = call.__class__(
        method=call.method, payload={**call.payload, "content_base64": "not base64!"}, purpose=call.purpose
    )
    assert Outbox(store, client(fake)).send(broken) is False
    assert fake.calls == []
    assert store.outbox.failed_count() == 1
