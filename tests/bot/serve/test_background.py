"""Background tasks (bot.periodic, bot.runtime) and what /healthz says about them (bot.server's WSGI app)."""

import json
import threading
import time

import pytest

from bot.db import OutboxCall
from bot.errors import StoreError
from bot.serve.http import make_wsgi_app
from bot.serve.periodic import PeriodicTask
from model.errors import ArtifactError
from tests.support.db import make_unwritable


def wait_until(condition, *, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_a_task_survives_expected_failures_of_its_job_and_logs_them_with_its_name(caplog):
    failures = [StoreError("database is locked"), OSError("disk full"), ArtifactError("model file damaged")]
    rounds = []

    def job():
        rounds.append(time.monotonic())
        if failures:
            raise failures.pop(0)

    task = PeriodicTask("flaky", job, interval=0.01)
    task.start()
    try:
        wait_until(lambda: len(rounds) >= 5)
        assert task.is_alive()
    finally:
        task.stop()
        task.join(timeout=5)
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.serve.periodic" and r.levelname == "ERROR"]
    assert len(logged) == 3 and all("background task flaky failed" in m for m in logged)
    assert "database is locked" in logged[0] and "model file damaged" in logged[2]


def healthz(runtime):
    answer = {}

    def start_response(status, headers):
        answer["status"] = status

    body = b"".join(make_wsgi_app(runtime)({"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, start_response))
    return answer["status"], json.loads(body)


def test_healthz_reports_every_background_task_and_ok_when_nothing_needs_a_person(runtime):
    runtime.start_background()
    status, health = healthz(runtime)
    assert status == "200 OK"
    assert (health["status"], health["reasons"]) == ("ok", [])
    assert health["background_tasks"] == {"model-reload": True, "outbox": True, "inbox": True, "prune-events": True}
    assert (health["pending_slack_calls"], health["parked_slack_calls"], health["failed_slack_calls"]) == (0, 0, 0)


def test_healthz_is_degraded_by_parked_or_failed_slack_calls_until_they_are_requeued(runtime):
    call = OutboxCall(method="chat.postMessage", payload={"channel": "C0GONE"}, purpose="test")
    parked, failed = runtime.store.outbox.enqueue(call), runtime.store.outbox.enqueue(call)
    runtime.store.outbox.park(parked, error="not_in_channel", retry_in=900)
    runtime.store.outbox.give_up(failed, error="msg_too_long")
    status, health = healthz(runtime)
    assert (status, health["status"]) == ("200 OK", "degraded")
    assert (health["pending_slack_calls"], health["parked_slack_calls"], health["failed_slack_calls"]) == (1, 1, 1)
    assert any("outbox retry --all" in r for r in health["reasons"])
    assert runtime.store.outbox.requeue() == 2
    assert healthz(runtime)[1]["parked_slack_calls"] == 0


def test_healthz_is_degraded_when_the_database_takes_no_writes(runtime):
    assert healthz(runtime)[1]["status"] == "ok"
    free_space = make_unwritable(runtime.store)
    status, health = healthz(runtime)
    assert (status, health["status"]) == ("200 OK", "degraded")
    assert any("does not take writes" in r for r in health["reasons"])
    free_space()
    assert healthz(runtime)[1]["status"] == "ok"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_healthz_is_degraded_but_answers_200_when_a_background_task_died(runtime):
    runtime.start_background()
    crashed = threading.Event()

    def bug():
        crashed.set()
        raise RuntimeError("a bug, not an expected failure")

    task = PeriodicTask("buggy", bug, interval=0.01)
    runtime.tasks.append(task)
    task.start()
    assert crashed.wait(10)
    task.join(timeout=5)
    status, health = healthz(runtime)
    assert status == "200 OK"
    assert health["status"] == "degraded"
    assert health["background_tasks"] == {
        "model-reload": True,
        "outbox": True,
        "inbox": True,
        "prune-events": True,
        "buggy": False,
    }
