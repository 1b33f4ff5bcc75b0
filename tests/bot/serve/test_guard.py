"""The request guard in front of Bolt, on WSGI environs: size, signature, shape."""

import io
import json
import time

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.serve.guard import MAX_BODY_BYTES, guard
from tests.support.slack_requests import SIGNING_SECRET, signed_environ, signed_headers, wsgi_environ

VERIFIER = SignatureVerifier(SIGNING_SECRET)
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
EVENT = json.dumps({"type": "event_callback", "event": {"type": "app_mention", "channel": "C1", "ts": "1.2"}})


def signed(body: str, content_type: str = JSON, **overrides) -> dict:
    return signed_environ(body, content_type=content_type, **overrides)


def test_a_valid_request_passes_and_its_body_is_there_for_bolt():
    env = signed(EVENT)
    assert guard(env, VERIFIER) is None
    assert env["wsgi.input"].read() == EVENT.encode() and env["CONTENT_LENGTH"] == str(len(EVENT))
    assert guard(signed("command=%2Fscope&text=hi", FORM), VERIFIER) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=00"},
        {},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=forged"},
    ],
)
def test_anything_but_a_valid_signature_is_401(headers):
    refusal = guard(wsgi_environ(EVENT.encode(), {"Content-Type": JSON, **headers}), VERIFIER)
    assert refusal is not None and refusal.status.startswith("401")


def test_a_stale_or_other_secrets_signature_is_401():
    stale = signed_headers(EVENT, content_type=JSON, timestamp=int(time.time()) - 600)
    assert guard(wsgi_environ(EVENT.encode(), stale), VERIFIER).status.startswith("401")
    other = signed_headers(EVENT, content_type=JSON, secret="not-the-secret")
    assert guard(wsgi_environ(EVENT.encode(), other), VERIFIER).status.startswith("401")


def test_bodies_over_the_limit_are_413_without_reading_them():
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body must not be read")

    env = wsgi_environ(b"", {"Content-Type": JSON}, length=MAX_BODY_BYTES + 1)
    env["wsgi.input"] = Unreadable()
    assert guard(env, VERIFIER).status.startswith("413")
    # A client that claims no length gets read up to the limit, no further.
    big = wsgi_environ(b"x" * (MAX_BODY_BYTES + 10), {"Content-Type": JSON}, length=0)
    assert guard(big, VERIFIER).status.startswith("413")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("[1, 2, 3]", JSON),  # a JSON array
        ("not json", JSON),
        ("payload=%7Bbroken", FORM),  # payload= that is no JSON
        ("payload=%5B1%5D", FORM),  # payload= that is a JSON array
        ("hello", "text/plain"),
    ],
)
def test_signed_but_malformed_bodies_are_400(body, content_type):
    assert guard(signed(body, content_type), VERIFIER).status.startswith("400")


def test_non_utf8_bodies_and_other_methods_are_refused():
    raw = b'{"a": "\xff"}'
    headers = signed_headers(raw.decode("latin-1"), content_type=JSON)
    assert guard(wsgi_environ(raw, headers), VERIFIER).status[:3] in ("400", "401")
    assert guard(signed(EVENT) | {"REQUEST_METHOD": "GET"}, VERIFIER).status.startswith("405")
