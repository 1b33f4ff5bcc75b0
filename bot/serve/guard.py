"""What a request to /slack/events must pass before Bolt sees it: a size limit, a valid Slack signature, a body
that parses. Anything else is answered here (413, 401, 400) and touches nothing."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

# Slack's payloads are a few KiB; a modal with long texts stays far below this.
MAX_BODY_BYTES = 1024 * 1024
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
PAYLOAD_KEY = "scope_bot.payload"


@dataclass(frozen=True)
class Refusal:
    status: str
    reason: str


def _read_body(environ: dict[str, Any]) -> bytes | Refusal:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return Refusal("400 Bad Request", "invalid Content-Length")
    if length > MAX_BODY_BYTES:
        return Refusal("413 Payload Too Large", f"body over {MAX_BODY_BYTES} bytes")
    # Read no more than the limit (plus one byte to notice more), whatever the client claims.
    body = environ["wsgi.input"].read(min(length, MAX_BODY_BYTES) if length else MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return Refusal("413 Payload Too Large", f"body over {MAX_BODY_BYTES} bytes")
    return bytes(body)


def _signed(body: bytes, environ: dict[str, Any], verifier: SignatureVerifier) -> bool:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not (timestamp.isdigit() and signature):
        return False  # slack_sdk would raise on a timestamp that is not a number
    return verifier.is_valid(body=body.decode("utf-8", errors="replace"), timestamp=timestamp, signature=signature)


def _parsed(body: bytes, content_type: str) -> dict[str, Any] | None:
    """The payload as Bolt will see it (a slash command's form fields, an interaction's `payload`), else None."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith(JSON):
            data = json.loads(text)
            return data if isinstance(data, dict) else None
        if content_type.startswith(FORM):
            form = parse_qs(text, strict_parsing=bool(text))
            payload = form.get("payload")
            if payload is None:
                return {key: values[0] for key, values in form.items()}
            data = json.loads(payload[0])
            return data if isinstance(data, dict) else None
    except (UnicodeDecodeError, ValueError):
        return None
    return None


def guard(environ: dict[str, Any], verifier: SignatureVerifier) -> Refusal | None:
    """None if the request may go on to Bolt (its body is then put back for Bolt to read, and the parsed payload
    left in environ[PAYLOAD_KEY]), else the refusal."""
    if environ.get("REQUEST_METHOD") != "POST":
        return Refusal("405 Method Not Allowed", "only POST")
    body = _read_body(environ)
    if isinstance(body, Refusal):
        return body
    if not _signed(body, environ, verifier):
        return Refusal("401 Unauthorized", "invalid or missing Slack signature")
    payload = _parsed(body, environ.get("CONTENT_TYPE") or "")
    if payload is None:
        return Refusal("400 Bad Request", "not a Slack payload")
    environ[PAYLOAD_KEY] = payload
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return None
