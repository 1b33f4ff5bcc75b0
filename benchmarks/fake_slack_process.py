"""The timed fake Slack in a process of its own, so that answering the bot's Web API calls does not compete with
the load client for one GIL (it would slow the client down for the server that makes calls and not for the bare
app, which makes none).

    python benchmarks/fake_slack_process.py   # prints its port, serves until stdin closes
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from typing import Any

import _paths  # noqa: F401 - sys.path for load and tests.support
from load import TimedFakeSlack

CONTROL = "/_bench/"


class ServedTimedFakeSlack(TimedFakeSlack):
    """TimedFakeSlack answering two control calls: when replies arrived, and how many auth.test calls came."""

    def _handle(
        self, path: str, params: dict[str, Any], *, upload: bytes | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if path == CONTROL + "replies":  # only the keys asked for: the whole map grows with every server measured
            with self.reply_lock:
                found = {k: self.reply_at[k] for k in params.get("keys", ()) if k in self.reply_at}
            return 200, {"ok": True, "reply_at": found}, {}
        if path == CONTROL + "auth_tests":
            return 200, {"ok": True, "count": len(self.calls_to("auth.test"))}, {}
        return super()._handle(path, params, upload=upload)


class RemoteFakeSlack:
    """Client side: `with RemoteFakeSlack() as fake:` starts the process; api_url, response_url, wait_replies."""

    def __enter__(self) -> RemoteFakeSlack:
        self._proc = subprocess.Popen(
            [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        self.base_url = self._proc.stdout.readline().strip()
        self.api_url = self.base_url + "/api/"
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=30)

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    def _control(self, name: str, **params: Any) -> dict[str, Any]:
        data = json.dumps(params).encode()
        request = urllib.request.Request(self.base_url + CONTROL + name, data=data, method="POST")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def wait_replies(self, keys: Sequence[str], timeout: float) -> dict[str, float]:
        """Arrival times (perf_counter: CLOCK_MONOTONIC, the same clock in every process on Linux) of the
        threaded replies to `keys`."""
        deadline = time.monotonic() + timeout
        arrived: dict[str, float] = {}
        while True:
            missing = [k for k in keys if k not in arrived]
            if missing:
                arrived.update(self._control("replies", keys=missing)["reply_at"])
            if len(arrived) == len(set(keys)) or time.monotonic() > deadline:
                return arrived
            time.sleep(0.05)

    def auth_tests(self) -> int:
        return int(self._control("auth_tests")["count"])


if __name__ == "__main__":
    with ServedTimedFakeSlack() as fake:
        print(fake.base_url, flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin
