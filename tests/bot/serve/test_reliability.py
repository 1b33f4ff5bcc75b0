"""Reliability of the real server (gunicorn, 2 workers) against a failing Slack and killed workers.

The test client plays Slack: an event whose delivery got no 200 is delivered again with X-Slack-Retry-Num (Slack
retries three times). What counts is what the fake Slack ends up holding: each mention answered exactly once, each
quote request posted to staff once and confirmed to its requester once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
import urllib.error
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.slack.ui import ids
from tests.support.blockkit import element
from tests.support.fake_slack import FakeSlack
from tests.support.interactions import block_actions, button, view_submission
from tests.support.server import Server, bot_env, running_server
from tests.support.slack_requests import event_body, interactive_body, mention_event

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TEXTS = (
    "Could you install Ollama with Llama 3 on our GPU VM for us?",
    "Ich habe mein Passwort für das Kundenportal vergessen, wie setze ich es zurück?",
    "Könnt ihr uns einen Kubernetes-Cluster auf cStack aufsetzen?",
    "Our invoice for May arrived twice, can you check?",
)
ANSWERS = {
    ids.BLOCK_QUOTE_WHAT: "Install Ollama with Llama 3 and Open WebUI on our H100 VM",
    ids.BLOCK_QUOTE_PRODUCT: "cloudgpu",
    ids.BLOCK_QUOTE_TIMELINE: "within two weeks",
    ids.BLOCK_QUOTE_CONTACT: "ops@example.com",
}
SLACK_RETRIES = 3


@pytest.fixture(scope="module")
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture(scope="module")
def server(fake, tmp_path_factory, session_model_root):
    workdir = tmp_path_factory.mktemp("reliability")
    shutil.copytree(session_model_root, workdir / "models")
    env = bot_env(
        api_url=fake.api_url,
        workdir=workdir,
        model_dir=workdir / "models",
        SCOPE_BOT_OUTBOX_RETRY_SECONDS="1",
        SCOPE_BOT_CHANNEL_PACE_SECONDS="0",  # hundreds of replies in one channel: Slack's pacing is not under test
        SCOPE_BOT_SLACK_TIMEOUT_SECONDS="3",  # a claim whose worker died is taken over after 2 × 3 + 5 s
    )
    with running_server(env, workdir) as srv:
        yield srv


def deliver(server: Server, body: str, content_type: str) -> int:
    """Deliver as Slack does: again (with X-Slack-Retry-Num) while the answer is not a 200; the last status."""
    status = 0
    for attempt in range(SLACK_RETRIES + 1):
        headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_error"} if attempt else {}
        try:
            status, _ = server.slack(body, content_type, **headers)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            status = 0  # the worker died mid-request
        if status == 200:
            return status
        time.sleep(0.5)
    return status


def mention_bodies(channel: str, count: int) -> list[tuple[str, str]]:
    """(thread ts, body) of `count` mentions in `channel`, each its own event."""
    bodies = []
    for n in range(count):
        ts = f"1700100000.{n:06d}"
        event = mention_event(TEXTS[n % len(TEXTS)], ts=ts, channel=channel, user=f"U0REL{n % 7}")
        bodies.append((ts, event_body(event, event_id=f"Ev{channel}{n}")))
    return bodies


def answers_per_thread(fake: FakeSlack, channel: str) -> Counter:
    return Counter(m["thread_ts"] for m in list(fake.messages) if m["channel"] == channel and m.get("thread_ts"))


def wait_until(condition, *, timeout: float, what: str, server: Server) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s:\n{server.log()[-4000:]}")
        time.sleep(0.25)


def test_a_slack_outage_of_500s_429s_and_ratelimited_loses_no_answer_and_sends_none_twice(server, fake):
    channel, count = "C0OUTAGE", 300
    phases = [
        {"status": 500, "error": "fatal_error"},
        {"status": 429, "error": "ratelimited", "retry_after": 2},
        {"status": 200, "error": "ratelimited", "retry_after": 2},
    ]

    def outage() -> None:
        for phase in phases:  # 3 × 10 s
            fake.outage("chat.postMessage", seconds=10, **phase)
            time.sleep(10)

    slack_down = threading.Thread(target=outage)
    slack_down.start()
    started = time.monotonic()
    statuses = []
    with ThreadPoolExecutor(max_workers=4) as clients:
        for _ts, body in mention_bodies(channel, count):
            statuses.append(clients.submit(deliver, server, body, JSON))
            time.sleep(28 / count)  # spread over the outage
    assert [s.result() for s in statuses] == [200] * count  # every event acknowledged while Slack was down
    slack_down.join()
    print(f"\n{count} mentions acknowledged during a {time.monotonic() - started:.0f}s Slack outage")

    wait_until(lambda: len(answers_per_thread(fake, channel)) == count, timeout=120, what="all answers", server=server)
    time.sleep(3)  # a duplicate would come now, from a late retry
    answers = answers_per_thread(fake, channel)
    lost = count - len(answers)
    twice = sum(1 for n in answers.values() if n > 1)
    print(f"after recovery: {len(answers)} answered, {lost} lost, {twice} answered more than once")
    assert (lost, twice) == (0, 0)
    assert server.request("/healthz")[0] == 200
    health = json.loads(server.request("/healthz")[2])
    assert health["pending_slack_calls"] == 0 and health["failed_slack_calls"] == 0


def quote_view(server: Server, fake: FakeSlack) -> dict:
    """A real quote modal as the bot opened it for an out-of-scope mention."""
    _ts, body = mention_bodies("C0QUOTEVIEW", 1)[0]
    assert deliver(server, body, JSON) == 200
    wait_until(lambda: answers_per_thread(fake, "C0QUOTEVIEW"), timeout=20, what="the verdict", server=server)
    [reply] = [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == "C0QUOTEVIEW"]
    verdict = element(reply.params["blocks"], ids.ACTION_REQUEST_QUOTE)["value"]
    action = block_actions(button(ids.ACTION_REQUEST_QUOTE, verdict), trigger_id="trigger-rel")
    assert deliver(server, interactive_body(action), FORM) == 200
    wait_until(lambda: fake.calls_to("views.open"), timeout=20, what="views.open", server=server)
    return fake.calls_to("views.open")[-1].params["view"]


def kill(pid: int | None) -> int:
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    return pid


def test_kill_9_of_a_worker_mid_load_loses_no_reply_staff_post_or_dm_and_sends_none_twice(server, fake):
    view = quote_view(server, fake)
    channel, mentions, quotes = "C0KILL", 200, 20
    bodies = [(JSON, body) for _, body in mention_bodies(channel, mentions)]
    for n in range(quotes):  # a requester per quote: their DMs can be counted apart
        submission = view_submission(view, ANSWERS, view_id=f"V0KILL{n}", user=f"U0KILLQ{n:02d}")
        bodies.insert((n + 1) * len(bodies) // (quotes + 1), (FORM, interactive_body(submission)))
    fake.latency = 0.05  # a slightly slow Slack widens the window between a post and its "done"
    killed = []
    try:
        with ThreadPoolExecutor(max_workers=4) as clients:
            results = []
            for n, (content_type, body) in enumerate(bodies):
                if n == len(bodies) // 4:
                    killed.append(kill(server.workers()[0]))
                if n == len(bodies) // 2:
                    killed.append(kill(server.responder()))  # the process that answers and sends
                if n == 3 * len(bodies) // 4:
                    killed.append(kill(server.workers()[0]))
                results.append(clients.submit(deliver, server, body, content_type))
                time.sleep(0.02)
            statuses = [r.result() for r in results]
        assert statuses == [200] * len(bodies)
        wait_until(
            lambda: (
                len(answers_per_thread(fake, channel)) == mentions
                and len([m for m in fake.messages if m["channel"] == "C0QUOTES" and "U0KILLQ" in m["text"]]) >= quotes
                and len([m for m in fake.messages if m["channel"].startswith("DU0KILLQ")]) >= quotes
            ),
            timeout=90,
            what="every reply, staff post and DM",
            server=server,
        )
        time.sleep(15)  # past the lease (11 s) of a row whose worker died: a duplicate would be sent by now
    finally:
        fake.latency = 0.0
    answers = answers_per_thread(fake, channel)
    staff_posts = Counter(  # by requester: "Quote request Q-… (cloudgpu) from <@U0KILLQ07>: status new"
        m["text"].split("<@")[1].split(">")[0]
        for m in fake.messages
        if m["channel"] == "C0QUOTES" and "U0KILLQ" in m["text"]
    )
    dms = Counter(m["channel"] for m in fake.messages if m["channel"].startswith("DU0KILLQ"))
    counts = {
        "replies lost": mentions - len(answers),
        "replies sent twice": sum(1 for n in answers.values() if n > 1),
        "staff posts lost": quotes - len(staff_posts),
        "staff posts sent twice": sum(1 for n in staff_posts.values() if n > 1),
        "DMs lost": quotes - len(dms),
        "DMs sent twice": sum(1 for n in dms.values() if n > 1),
    }
    checks = len([c for c in fake.calls if c.method in ("conversations.history", "conversations.replies")])
    print(f"\nkill -9 of two workers and the responder {killed} during {len(bodies)} requests: {counts}")
    print(f"history checks before re-sending an unconfirmed post: {checks}")
    assert set(counts.values()) == {0}
    assert len(server.workers()) == 2 and not set(killed) & {*server.workers(), server.responder()}


def test_an_invalid_auth_blip_delays_a_staff_post_without_losing_it(server, fake):
    view = quote_view(server, fake)
    fake.outage("chat.postMessage", seconds=3, status=200, error="invalid_auth")
    submission = view_submission(view, ANSWERS, view_id="V0BLIP", user="U0BLIP")
    assert deliver(server, interactive_body(submission), FORM) == 200
    wait_until(
        lambda: json.loads(server.request("/healthz")[2])["parked_slack_calls"] == 2,
        timeout=20,
        what="the staff post and the DM parked",
        server=server,
    )
    health = json.loads(server.request("/healthz")[2])
    assert health["status"] == "degraded" and any("parked" in r for r in health["reasons"])
    assert not [m for m in fake.messages if m["channel"] == "DU0BLIP"]
    time.sleep(3)  # the token works again; an admin (or the next long-backoff retry) re-sends the parked calls
    result = server.cli("outbox", "list")
    assert sorted(e["purpose"] for e in result if e["state"] == "parked") == ["quote_confirmation", "quote_staff_post"]
    requeue = server.run_cli("outbox", "retry", "--all")
    assert requeue.returncode == 0 and "re-queued 2" in requeue.stdout
    wait_until(
        lambda: [m for m in fake.messages if m["channel"] == "DU0BLIP"], timeout=20, what="the DM", server=server
    )
    assert json.loads(server.request("/healthz")[2])["parked_slack_calls"] == 0


def test_the_server_still_serves_with_two_workers_and_a_responder(server):
    # Guard against a test above leaving the server half dead: the module's last test checks it.
    assert server.process.poll() is None and len(server.workers()) == 2 and server.responder() is not None
