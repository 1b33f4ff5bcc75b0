"""`scope-bot run` with SLACK_APP_TOKEN connects over Socket Mode: a local WebSocket server plays Slack's side."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

from tests.support.server import free_port
from tests.support.slack_requests import BOT_TOKEN, event_body, mention_event

SCOPE_BOT = str(Path(sys.executable).parent / "scope-bot")


class SocketModeServer:
    """Sends `hello` and one events_api envelope to whoever connects, and collects the client's acks."""

    def __init__(self, envelope: dict):
        self.envelope = envelope
        self.acks: queue.Queue = queue.Queue()
        self._done = threading.Event()
        self._server = serve(self._handle, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"

    def _handle(self, connection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"}}))
        connection.send(json.dumps(self.envelope))
        while not self._done.is_set():
            try:
                self.acks.put(json.loads(connection.recv(timeout=0.2)))
            except TimeoutError:
                continue
            except ConnectionClosed:
                return

    def close(self) -> None:
        self._done.set()
        self._server.shutdown()


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_run_with_an_app_token_answers_a_mention_over_socket_mode_and_counts_it(tmp_path, model_root, fake):
    event = mention_event("Could you install Ollama on our GPU VM for us?", ts="1700007000.000100", channel="C0SOCKET")
    envelope = {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "payload": json.loads(event_body(event, event_id="EvSocket1")),
    }
    server = SocketModeServer(envelope)
    fake.socket_mode_url = server.url
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SCOPE_BOT_"))},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-1-test",
        "SLACK_API_URL": fake.api_url,
        "SCOPE_BOT_QUOTES_CHANNEL": "C0QUOTES",
        "SCOPE_BOT_DB": str(tmp_path / "db.sqlite"),
        "SCOPE_BOT_MODEL_DIR": str(model_root),
        "SCOPE_BOT_METRICS_PORT": str(metrics_port := free_port()),
    }
    log_path = tmp_path / "run.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([SCOPE_BOT, "run"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        try:
            [reply] = fake.wait_for("chat.postMessage", timeout=60)
            ack = server.acks.get(timeout=10)
        except (AssertionError, queue.Empty):
            pytest.fail(f"no Socket Mode answer; scope-bot run logged:\n{log_path.read_text(errors='replace')}")
        # Socket Mode has no HTTP server of its own: /metrics is on SCOPE_BOT_METRICS_PORT.
        samples = scrape(metrics_port)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        server.close()
    assert ack["envelope_id"] == "env-1"
    assert fake.calls_to("apps.connections.open")
    assert reply.params["channel"] == "C0SOCKET" and reply.params["thread_ts"] == "1700007000.000100"
    assert reply.params["metadata"]["event_payload"]["verdict"] == "out_of_scope"
    assert samples[("scope_bot_requests_total", (("outcome", "ok"), ("surface", "mention")))] == 1
    assert samples[("scope_bot_ack_seconds_count", (("surface", "mention"),))] == 1
    row = reply.params["metadata"]["event_payload"]["label"]
    labels = (("reason", ""), ("row", row), ("source", "mention"), ("verdict", "out_of_scope"))
    assert samples[("scope_bot_verdicts_total", labels)] == 1
