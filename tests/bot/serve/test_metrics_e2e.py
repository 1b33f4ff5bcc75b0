"""/metrics of the real `scope-bot serve` (gunicorn, 2 workers, the responder) with JSON logs.

Counters are compared before and after the test's own requests, so the tests stay independent of each other.
"""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.db import Store
from model.artifacts import MODEL_FILE, ModelStore
from model.training import save_trained
from tests.support.fake_slack import FakeSlack
from tests.support.quotes import new_quote
from tests.support.server import bot_env, running_server
from tests.support.slack_requests import command_body, event_body, mention_event

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
IN_EN = "I forgot my password for the ccenter login, how do I reset it?"
OUT_EN = "Could you install Ollama with Llama 3 on our GPU VM for us?"
WAIT_SECONDS = 20.0


@pytest.fixture(scope="module")
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("metrics")


@pytest.fixture(scope="module")
def model_root(workdir, session_model_root) -> Path:
    root = workdir / "models"
    shutil.copytree(session_model_root, root)
    return root


@pytest.fixture(scope="module")
def server(fake, workdir, model_root):
    env = bot_env(
        api_url=fake.api_url,
        workdir=workdir,
        model_dir=model_root,
        SCOPE_BOT_METRICS_DIR=str(workdir / "metrics"),
        SCOPE_BOT_LOG_FORMAT="json",
        SCOPE_BOT_MODEL_RELOAD_SECONDS="1",
        SCOPE_BOT_OUTBOX_RETRY_SECONDS="0.5",
    )
    with running_server(env, workdir) as srv:
        yield srv


def scrape(server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value of one GET /metrics."""
    status, headers, body = server.request("/metrics")
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_counters_are_summed_across_workers_and_the_responder(server, fake, workdir):
    before = scrape(server)

    def command(i: int) -> int:
        body = command_body(IN_EN, response_url=fake.response_url(f"metrics-{i}"), channel_id="C0METRICS")
        return server.slack(body, FORM)[0]

    def mention(i: int) -> int:
        event = mention_event(OUT_EN, channel="C0METRICSM", ts=f"1700100000.{i:06d}")
        return server.slack(event_body(event, event_id=f"EvMetrics{i}"), JSON)[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(command, range(12))) + list(pool.map(mention, range(4)))
    assert statuses == [200] * 16
    unsigned = server.request("/slack/events", body=command_body(IN_EN, response_url="x"), headers={})[0]
    assert unsigned == 401
    wait_for(
        lambda: len([c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == "C0METRICSM"]) == 4,
        "the four mention answers",
    )
    # A delivery is counted once its row is marked done, just after the fake Slack has the call.
    sent = ("scope_bot_outbox_attempts_total", (("method", "chat.postMessage"), ("result", "sent")))
    wait_for(lambda: scrape(server).get(sent, 0) - before.get(sent, 0) >= 4, "the four deliveries counted")

    # Each scrape lands on either worker; every one must show the sum over both workers and the responder.
    for _ in range(4):
        after = scrape(server)

        def delta(name: str, after: dict = after, **labels: str) -> float:
            return value(after, name, **labels) - value(before, name, **labels)

        assert delta("scope_bot_requests_total", surface="command", outcome="ok") == 12
        assert delta("scope_bot_requests_total", surface="mention", outcome="ok") == 4
        assert delta("scope_bot_requests_total", surface="other", outcome="unauthorized") == 1
        assert delta("scope_bot_ack_seconds_count", surface="command") == 12
        # Slack's 3 s limit: every acknowledgement came well inside it.
        assert delta("scope_bot_ack_seconds_bucket", surface="command", le="3.0") == 12
        commands = sum(
            v - value(before, name, **dict(labels))
            for (name, labels), v in after.items()
            if name == "scope_bot_verdicts_total" and ("source", "command") in labels
        )
        assert commands == 12
        # Mentions are answered by the responder, a process of its own: its counts are in the sum too.
        mentions = sum(
            v - value(before, name, **dict(labels))
            for (name, labels), v in after.items()
            if name == "scope_bot_verdicts_total" and ("source", "mention") in labels
        )
        assert mentions == 4
        assert delta("scope_bot_outbox_attempts_total", method="chat.postMessage", result="sent") >= 4

    # Both workers and the responder wrote samples of their own.
    # Every worker and the responder write files of their own there (each sets its model gauge when it boots);
    # the responder counted the mention verdicts, the workers the requests, and one scrape showed both.
    def pids(kind: str) -> set[int]:
        return {int(p.stem.rsplit("_", 1)[1]) for p in (workdir / "metrics").glob(f"{kind}_*.db")}

    assert {*server.workers(), server.responder()} <= pids("gauge_livemax")
    assert server.responder() in pids("counter") and pids("counter") & set(server.workers())


def test_state_gauges_come_from_the_database(server):
    store = Store.open(server.db_url)
    try:
        quote = new_quote(requester_id="U0METRICS")
        first, _ = store.quotes.create(quote, submission_key="metrics-1")
        store.quotes.create(quote, submission_key="metrics-2")
        store.quotes.set_status(first.ref, status="feasible", user_id="U0STAFF", expected="new")
    finally:
        store.close()
    samples = scrape(server)
    assert value(samples, "scope_bot_quote_requests", status="new") == 1
    assert value(samples, "scope_bot_quote_requests", status="feasible") == 1
    assert value(samples, "scope_bot_quote_requests", status="declined") == 0
    assert value(samples, "scope_bot_database_up") == 1
    assert ("scope_bot_outbox_rows", (("state", "parked"),)) in samples


def test_every_log_line_is_json_with_the_request_fields(server, fake):
    body = command_body(IN_EN, response_url=fake.response_url("json-log"), channel_id="C0JSONLOG")
    assert server.slack(body, FORM)[0] == 200
    lines = [line for line in server.log().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # gunicorn's, the workers' and the responder's lines alike
    # scope_bot.requests replaces gunicorn's access log (which a logconfig_dict would turn back on)
    assert not [e for e in entries if e["logger"] == "gunicorn.access"]
    assert any(e["logger"].startswith("gunicorn.error") for e in entries)
    request = next(e for e in entries if e["logger"] == "scope_bot.requests" and e.get("channel") == "C0JSONLOG")
    assert request["surface"] == "command" and request["outcome"] == "ok" and request["status"] == 200
    assert request["request_id"] == "trigger-1" and request["team"] == "T0001"
    assert request["latency_ms"] > 0 and request["model_version"]
    verdict = next(e for e in entries if e["logger"] == "scope_bot.verdicts" and e.get("channel") == "C0JSONLOG")
    assert verdict["verdict"] == "in_scope" and verdict["row"] and verdict["source"] == "command"
    assert verdict["request_id"] == "trigger-1" and verdict["model_version"] == request["model_version"]


def test_reloads_are_counted_and_the_model_info_follows(server, model_root, trained):
    """Last: it changes the model the module's server serves."""
    store = ModelStore(model_root)
    old = store.current_version()
    before = scrape(server)
    assert value(before, "scope_bot_model_info", version=old) == 1
    new = save_trained(store, trained, parent_version=old).version
    store.promote(new)
    wait_for(
        lambda: (
            value(scrape(server), "scope_bot_model_reloads_total") - value(before, "scope_bot_model_reloads_total") == 3
        ),
        "a reload in both workers and the responder",
    )
    after = scrape(server)
    assert value(after, "scope_bot_model_info", version=new) == 1
    assert value(after, "scope_bot_model_info", version=old) == 0

    broken = save_trained(store, trained, parent_version=new).version
    (store.version_dir(broken) / MODEL_FILE).write_bytes(b"not a model")
    (model_root / "current").write_text(json.dumps({"version": broken, "history": [new]}))
    failures = lambda: value(scrape(server), "scope_bot_model_reload_failures_total")  # noqa: E731
    wait_for(lambda: failures() - value(before, "scope_bot_model_reload_failures_total") == 3, "three failed reloads")
    assert value(scrape(server), "scope_bot_model_info", version=new) == 1
