"""A local fake of the Slack Web API (and of response_url endpoints) that records every call.

Runs a real HTTP server on 127.0.0.1; point SLACK_API_URL at `fake.api_url`. Used by tests and `make bench`.
"""

from __future__ import annotations

import contextlib
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

    @property
    def untagged(self) -> dict[str, Any]:
        """The params without the outbox's id tag (bot.slack.sent_check), as the listener built them."""
        metadata = self.params.get("metadata")
        if not metadata:
            return self.params
        event_payload = {k: v for k, v in metadata["event_payload"].items() if k != "scope_bot_outbox_id"}
        rest = {k: v for k, v in self.params.items() if k != "metadata"}
        if not event_payload and metadata["event_type"] == "scope_bot_message":
            return rest
        return {**rest, "metadata": {**metadata, "event_payload": event_payload}}


class FakeSlack:
    """Context manager: `with FakeSlack() as slack: ... slack.calls_to("chat.postMessage")`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []  # answered calls
        self.attempts: list[str] = []  # the method of every request, including those answered with an injected failure
        self.usergroup_members: dict[str, list[str]] = {}
        # conversations.members answers: channel id -> member ids, paged by `limit` (an unknown channel: not found)
        self.channel_members: dict[str, list[str]] = {}
        # conversations.info answers: channel id -> fields (default: a public channel the bot is in)
        self.channels: dict[str, dict[str, Any]] = {}
        self.socket_mode_url = ""  # what apps.connections.open hands out (a local WebSocket server)
        # Every message posted, as conversations.history/replies return them (a post to a user id lands in "D<id>").
        self.messages: list[dict[str, Any]] = []
        self._message_ts: set[str] = set()  # the ts of every message: a post stays O(1) however many came before
        self.latency = 0.0  # seconds every Web API answer is held back (a slow Slack)
        # Files of files.getUploadURLExternal: id -> filename, length, title, channel and the bytes uploaded to
        # the URL it handed out (POSTs to it are recorded as "file_upload" calls).
        self.files: dict[str, dict[str, Any]] = {}
        self._accepted_failures: dict[str, tuple[int, int, str]] = {}
        self._outages: dict[str, tuple[float, int, str, dict[str, str]]] = {}
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
                content = self.rfile.read(length)
                upload = content if self.path.startswith("/upload/") else None
                raw = "" if upload is not None else content.decode("utf-8")
                if upload is not None:
                    params: dict[str, Any] = {"file_id": self.path.removeprefix("/upload/"), "size": len(upload)}
                elif "application/json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                status, body, headers = fake._handle(self.path, params, upload=upload)
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The caller may have given up (a timeout, or a worker killed by a test): Slack would not notice.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
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

    def outage(
        self,
        method: str,
        *,
        seconds: float,
        status: int = 500,
        error: str = "fatal_error",
        retry_after: int | None = None,
    ) -> None:
        """Answer every call of `method` with `error` for the next `seconds` (a Slack outage or a rate limit)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._outages[method] = (time.monotonic() + seconds, status, error, headers)

    def fail_after_accepting(
        self, method: str, *, times: int = 1, status: int = 500, error: str = "fatal_error"
    ) -> None:
        """Carry out the next `times` calls of `method` (a post is stored and shows in history) but answer them
        with an error, as when Slack times out after storing a message."""
        with self._lock:
            self._accepted_failures[method] = (times, status, error)

    def _handle(
        self, path: str, params: dict[str, Any], *, upload: bytes | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        method = "response_url" if path.startswith("/response/") else path.removeprefix("/api/")
        if upload is not None:
            method = "file_upload"  # the POST of a file's bytes to the URL files.getUploadURLExternal handed out
        if self.latency and method != "response_url":
            time.sleep(self.latency)
        with self._lock:
            self.attempts.append(method)
            until, status, error, headers = self._outages.get(method, (0.0, 500, "", {}))
            if time.monotonic() < until:
                return status, {"ok": False, "error": error}, headers
            times, status, error, headers = self._failures.get(method, (0, 500, "", {}))
            if times > 0:
                self._failures[method] = (times - 1, status, error, headers)
                return status, {"ok": False, "error": error}, headers
            self.calls.append(Call(method=method, params=params, path=path))
            if upload is not None and params["file_id"] in self.files:
                self.files[params["file_id"]]["content"] = upload
            answer = self._answer(method, params)
            self._lock.notify_all()
            times, status, error = self._accepted_failures.get(method, (0, 500, ""))
            if times > 0:
                self._accepted_failures[method] = (times - 1, status, error)
                return status, {"ok": False, "error": error}, {}
        return 200, answer, {}

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if channel[:1] in ("U", "W"):
            channel = "D" + channel
        ts = f"{time.time():.6f}"
        while ts in self._message_ts:  # unique, and ordered like Slack's
            ts = f"{float(ts) + 0.000001:.6f}"
        self._message_ts.add(ts)
        message = {"channel": channel, "ts": ts, "text": params.get("text"), "thread_ts": params.get("thread_ts")}
        if params.get("metadata"):
            message["metadata"] = params["metadata"]
        self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": params.get("text")}}

    def _history(self, params: dict[str, Any], *, thread: bool) -> dict[str, Any]:
        channel, oldest = params.get("channel"), float(params.get("oldest") or 0)
        found = [
            m
            for m in self.messages
            if m["channel"] == channel
            and float(m["ts"]) >= oldest
            and (m.get("thread_ts") == params.get("ts") if thread else not m.get("thread_ts"))
        ]
        if not params.get("include_all_metadata"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return {"ok": True, "messages": list(reversed(found)), "response_metadata": {"next_cursor": ""}}

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
        if method == "chat.postMessage":
            return self._post(params)
        if method == "conversations.history":
            return self._history(params, thread=False)
        if method == "conversations.replies":
            return self._history(params, thread=True)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users"))}}
        if method in ("chat.update", "chat.postEphemeral"):
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
        if method == "conversations.members":
            if params.get("channel") not in self.channel_members:
                return {"ok": False, "error": "channel_not_found"}
            members = self.channel_members[params["channel"]]
            start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 100)
            more = start + limit < len(members)
            return {
                "ok": True,
                "members": members[start : start + limit],
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            }
        if method.startswith("files.") or method == "file_upload":
            return self._file(method, params)
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": "V" + str(next(self._ts))}}
        return {"ok": True}

    def _file(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """files_upload_v2's three steps: a URL for the bytes, the bytes, and sharing the file in a channel."""
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.files) + 1:04d}"
            self.files[file_id] = {"name": params.get("filename"), "length": int(params.get("length") or 0)}
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}
        if method == "file_upload":
            return {"ok": True} if params["file_id"] in self.files else {"ok": False, "error": "invalid_upload_url"}
        if method != "files.completeUploadExternal":
            return {"ok": True}
        shared = []
        for f in json.loads(params.get("files") or "[]"):
            known = self.files.get(f.get("id"))
            if known is None or "content" not in known:
                return {"ok": False, "error": "file_not_found" if known is None else "file_upload_not_completed"}
            known.update(title=f.get("title"), channel=params.get("channel_id"))
            shared.append({"id": f["id"], "name": known["name"], "title": known["title"]})
        if params.get("channel_id"):
            message = self._post({"channel": params["channel_id"], "text": params.get("initial_comment") or ""})
            self.messages[-1]["files"] = shared
            return {"ok": True, "files": shared, "channel": message["channel"], "ts": message["ts"]}
        return {"ok": True, "files": shared}

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
