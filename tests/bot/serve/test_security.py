"""The real `scope-bot serve` (2 workers) against unsigned, oversized and malformed requests, a worker restart
while Slack is down, and start-up against a broken Slack: no side effect, no lost server, one clear line."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.fake_slack import FakeSlack
from tests.support.server import SCOPE_BOT, bot_env, running_server
from tests.support.slack_requests import command_body, event_body, mention_event

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture(scope="module")
def server(fake, tmp_path_factory, session_model_root):
    workdir = tmp_path_factory.mktemp("security")
    env = bot_env(api_url=fake.api_url, workdir=workdir, model_dir=session_model_root)
    with running_server(env, workdir) as srv:
        yield srv


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024


def post_raw(server, body: bytes, headers: dict[str, str]) -> int:
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        return 413  # the server answered and closed before the client finished sending
    finally:
        connection.close()


def test_a_malformed_timestamp_is_401_and_slack_hears_nothing_not_even_at_a_named_response_url(server, fake):
    before = len(fake.attempts)
    body = command_body("install ollama", response_url=fake.response_url("ssrf"))
    forged_event = event_body(mention_event("hello", channel="C0VICTIM"))
    for payload, content_type in ((body, FORM), (forged_event, JSON)):
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=1"}
        status, _, text = server.request("/slack/events", body=payload, headers=headers)
        assert status == 401, text
        assert "Traceback" not in text
    time.sleep(1.0)  # an apology would have been sent by now
    assert fake.attempts[before:] == []


def test_an_oversized_unsigned_body_is_413_and_worker_memory_stays_flat(server):
    before = {pid: rss_mib(pid) for pid in server.workers()}
    big = b"x" * (40 * 1024 * 1024)
    for _ in range(2):
        assert post_raw(server, big, {"Content-Type": JSON, "Content-Length": str(len(big))}) == 413
    after = {pid: rss_mib(pid) for pid in server.workers() if pid in before}
    assert after, "the workers that took the requests are still the same processes"
    assert max(after[p] - before[p] for p in after) < 20, (before, after)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("[1, 2]", JSON), ("payload=%7Bbroken", FORM), ("hello", "text/plain"), ("payload=%5B%5D", FORM)],
)
def test_malformed_bodies_get_400_or_401_never_500(server, body, content_type):
    status, text = server.slack(body, content_type)
    assert status == 400, text
    status, _, _ = server.request("/slack/events", body=body, headers={"Content-Type": content_type})
    assert status == 401


def test_a_worker_restarted_while_slack_is_down_comes_up_and_the_server_keeps_serving(server, fake):
    victim = server.workers()[0]
    fake.fail("auth.test", times=1000)
    try:
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (victim in server.workers() or len(server.workers()) < 2):
            time.sleep(0.2)
        assert len(server.workers()) == 2 and victim not in server.workers(), server.log()[-2000:]
        for n in range(6):  # both workers answer
            status, text = server.slack(command_body(f"Rechnung fehlt {n}", response_url=fake.response_url("r")), FORM)
            assert status == 200, text
            assert text and json.loads(text)["response_type"] == "ephemeral", (repr(text), server.log()[-3000:])
        assert server.request("/healthz")[0] == 200
        assert server.process.poll() is None
    finally:
        fake.fail("auth.test", times=0)


# --- start-up against a broken Slack -------------------------------------------------------------------------------


def start(env: dict[str, str], workdir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SCOPE_BOT, "serve", "--host", "127.0.0.1", "--port", "1", "--workers", "1"],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("scope-bot: error: "), result.stderr
    return lines[0]


def test_an_invalid_token_stops_the_start_with_one_line_naming_the_variable(tmp_path, session_model_root):
    with FakeSlack() as slack:
        slack.fail("auth.test", times=1, error="invalid_auth", status=200)
        line = one_line_error(
            start(bot_env(api_url=slack.api_url, workdir=tmp_path, model_dir=session_model_root), tmp_path)
        )
    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line and "OAuth & Permissions" in line


def test_an_unreachable_slack_stops_the_start_with_one_line(tmp_path, session_model_root):
    env = bot_env(api_url="http://127.0.0.1:9/api/", workdir=tmp_path, model_dir=session_model_root)
    line = one_line_error(start(env, tmp_path))
    assert "cannot reach Slack" in line and "SLACK_API_URL" in line


def test_a_private_quotes_channel_without_the_bot_stops_the_start(tmp_path, session_model_root):
    with FakeSlack() as slack:
        slack.channels["C0QUOTES"] = {"is_private": True, "is_member": False}
        line = one_line_error(
            start(bot_env(api_url=slack.api_url, workdir=tmp_path, model_dir=session_model_root), tmp_path)
        )
    assert "SCOPE_BOT_QUOTES_CHANNEL=C0QUOTES" in line and "/invite @scope-bot" in line


def test_doctor_prints_a_checklist_and_fails_on_what_stops_the_bot(tmp_path, session_model_root):
    with FakeSlack() as slack:
        env = bot_env(
            api_url=slack.api_url, workdir=tmp_path, model_dir=session_model_root, SCOPE_BOT_REPORT_CHANNEL="C0GONE"
        )
        slack.channels["C0GONE"] = None  # channel_not_found
        ok = subprocess.run([SCOPE_BOT, "doctor"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        slack.fail("auth.test", times=1, error="token_revoked", status=200)
        bad = subprocess.run([SCOPE_BOT, "doctor"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    lines = {line.split()[1]: line for line in ok.stdout.splitlines()}
    assert lines["token"].startswith("ok") and lines["model"].startswith("ok") and lines["database"].startswith("ok")
    assert lines["SCOPE_BOT_QUOTES_CHANNEL"].startswith("ok")
    assert (
        lines["SCOPE_BOT_REPORT_CHANNEL"].startswith("warn")
        and "channel_not_found" in lines["SCOPE_BOT_REPORT_CHANNEL"]
    )
    assert lines["outbox"].startswith("ok") and "0 parked" in lines["outbox"] and "0 failed" in lines["outbox"]
    assert bad.returncode == 1 and "FAIL token" in bad.stdout and "token_revoked" in bad.stdout
