"""A local fake of the Slack Web API (and of response_url endpoints) that records every call.

Runs a real HTTP server on 127.0.0.1; point SLACK_API_URL at `fake.api_url`. Used by tests and `make bench`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_USER_ID = "UBOT0001"
TEAM_ID = "T0001"


@dataclass(frozen=True)
class Call:
    method: str  # Web API method ("chat.postMessage") or "response_url"
    params: dict[str, Any]
    path: str


class FakeSlack:
    """Context manager: `with FakeSlack() as slack: ... slack.calls_to("chat.postMessage")`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []  # answered calls
        self.attempts: list[str] = []  # the method of every request, including those answered with an injected failure
        self.usergroup_members: dict[str, list[str]] = {}
        # conversations.info answers: channel id -> fields (default: a public channel the bot is in)
        self.channels: dict[str, dict[str, Any]] = {}
        self.socket_mode_url = ""  # what apps.connections.open hands out (a local WebSocket server)
        self._failures: dict[str, tuple[int, int, str, dict[str, str]]] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def __enter__(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                if "application/json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                status, body, headers = fake._handle(self.path, params)
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """Value for SLACK_API_URL."""
        return self.base_url + "/api/"

    def response_url(self, name: str = "r1") -> str:
        """A response_url for a command/shortcut/action payload; POSTs to it are recorded as 'response_url'."""
        return f"{self.base_url}/response/{name}"

    # --- behaviour ---------------------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        error: str = "fatal_error",
        status: int = 500,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with `error` and HTTP `status` (default: 500, as when Slack
        has an outage; e.g. 200 + "channel_not_found", or 429 + "ratelimited" with a Retry-After header)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._failures[method] = (times, status, error, headers)

    def _handle(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        method = "response_url" if path.startswith("/response/") else path.removeprefix("/api/")
        with self._lock:
            self.attempts.append(method)
            times, status, error, headers = self._failures.get(method, (0, 500, "", {}))
            if times > 0:
                self._failures[method] = (times - 1, status, error, headers)
                return status, {"ok": False, "error": error}, headers
            self.calls.append(Call(method=method, params=params, path=path))
            self._lock.notify_all()
        return 200, self._answer(method, params), {}

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "scope-bot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "B0001",
            }
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            ts = params.get("ts") or f"{int(time.time())}.{next(self._ts):06d}"
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {"text": params.get("text")}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_mode_url}
        if method == "conversations.info":
            channel = params.get("channel", "")
            info = {
                "id": channel,
                "name": channel.lower(),
                "is_private": False,
                "is_member": True,
                "is_archived": False,
            }
            if self.channels.get(channel) is None and channel in self.channels:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {**info, **(self.channels.get(channel) or {})}}
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.usergroup_members.get(params.get("usergroup", ""), [])}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": "V" + str(next(self._ts))}}
        return {"ok": True}

    # --- inspection --------------------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method, in order."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, *, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until `count` calls of `method` arrived (AssertionError after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} call(s) to {method}, got {len(found)}: {[c.method for c in self.calls]}"
                    )
                self._lock.wait(remaining)
