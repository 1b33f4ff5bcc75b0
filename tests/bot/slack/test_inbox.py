"""bot.slack.inbox: a mention stored before its acknowledgement, whose worker died before answering, is answered
by the recovery task, once."""

import json
import time
from datetime import timedelta

from bot.db.events import Backlog
from bot.slack.app import make_deps
from bot.slack.inbox import answer_after_burst, answer_waiting
from model.catalog import OUT_OF_SCOPE
from tests.support.slack_requests import BOT_TOKEN, SIGNING_SECRET, event_body, mention_event


def test_a_stored_mention_nobody_answered_is_answered_once_by_the_recovery(settings, classifier, store, fake):
    deps = make_deps(
        settings.with_overrides(
            slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.api_url
        ),
        classifier,
        store,
    )
    body = json.loads(
        event_body(mention_event("Installiert ihr uns Ollama auf der GPU-VM?", ts="1.000100"), event_id="EvOrphan")
    )
    assert store.events.receive("event:EvOrphan", body)  # acknowledged; then the worker was killed
    assert answer_waiting(deps, older_than_seconds=60) == 0  # too recent: its worker may still be answering
    time.sleep(0.05)
    assert answer_waiting(deps, older_than_seconds=0.01) == 1
    assert answer_waiting(deps, older_than_seconds=0.01) == 0  # handled: never twice
    [reply] = fake.calls_to("chat.postMessage")
    assert reply.params["thread_ts"] == "1.000100" and reply.params["channel"] == "C0SUPPORT"
    assert store.verdicts.counts() == {OUT_OF_SCOPE: 1}


def test_an_event_the_bot_has_no_handler_for_is_marked_handled_not_retried_forever(settings, classifier, store):
    deps = make_deps(settings, classifier, store)
    assert store.events.receive("event:EvOdd", {"event": {"type": "reaction_added"}})
    time.sleep(0.05)
    assert answer_waiting(deps, older_than_seconds=0.01) == 0
    assert store.events.unhandled(older_than_seconds=0) == []


def _mentions(store, n: int) -> None:
    for i in range(n):
        body = json.loads(event_body(mention_event(f"Rechnung {i} fehlt", ts=f"2.{i:06d}"), event_id=f"EvBurst{i}"))
        assert store.events.receive(f"event:EvBurst{i}", body)


def test_the_responder_answers_a_few_waiting_mentions_at_once(settings, classifier, store, fake):
    deps = make_deps(settings.with_overrides(slack_api_url=fake.api_url), classifier, store)
    _mentions(store, 3)
    assert answer_after_burst(deps, burst=20) == 3
    assert len(fake.calls_to("chat.postMessage")) == 3
    assert store.events.backlog().count == 0


def test_during_a_burst_the_responder_holds_off_until_the_oldest_mention_has_waited(settings, classifier, store, fake):
    deps = make_deps(settings.with_overrides(slack_api_url=fake.api_url), classifier, store)
    _mentions(store, 25)
    backlog = store.events.backlog()
    assert backlog.count == 25
    assert (
        answer_after_burst(deps, burst=20, hold_seconds=1.0, now=lambda: backlog.oldest + timedelta(seconds=0.5)) == 0
    )
    assert fake.calls_to("chat.postMessage") == []
    later = backlog.oldest + timedelta(seconds=1.0)
    assert answer_after_burst(deps, burst=20, hold_seconds=1.0, now=lambda: later) == 25
    assert len(fake.calls_to("chat.postMessage")) == 25
    assert store.events.backlog() == Backlog(0, None)
