"""Counting, timing and logging each request from Slack, the same way over HTTP and Socket Mode."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.metrics import count_request
from bot.slack.payloads import channel_id, request_id, surface, team_id

# One line per request (in place of gunicorn's access log): surface, outcome, latency, ids.
requests_log = logging.getLogger("scope_bot.requests")


def outcome_of(status: int) -> str:
    """ok, unauthorized, rejected (other 4xx) or error (5xx) for an HTTP status."""
    if 200 <= status < 300:
        return "ok"
    if status == 401:
        return "unauthorized"
    return "rejected" if 400 <= status < 500 else "error"


def record_request(
    payload: Mapping[str, Any] | None, *, status: int, seconds: float, model_version: str, reached_app: bool = True
) -> None:
    """Count the request, observe its acknowledgement time (if it reached the app) and log one line about it."""
    payload = payload or {}
    where = surface(payload)
    outcome = outcome_of(status)
    try:
        count_request(surface=where, outcome=outcome, seconds=seconds if reached_app else None)
    except OSError as exc:  # the metrics directory is gone or full: the acknowledgement still goes out
        requests_log.error("could not count the request: %s", exc)
    event = payload.get("event")
    requests_log.info(
        "%s %s %d in %.1f ms",
        where,
        outcome,
        status,
        seconds * 1000,
        extra={
            "request_id": request_id(payload),
            "surface": where,
            "outcome": outcome,
            "status": status,
            "team": team_id(payload),
            "channel": channel_id(payload) or (event.get("channel") if isinstance(event, dict) else None),
            "latency_ms": round(seconds * 1000, 1),
            "model_version": model_version,
        },
    )
