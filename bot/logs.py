"""Log output: human-readable lines by default, one JSON object per line with SCOPE_BOT_LOG_FORMAT=json.

Request and verdict lines pass their fields as `extra=` (see FIELDS); the JSON form carries them as keys, the
text form in the message itself.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

TEXT, JSON = "text", "json"
LOG_FORMATS = (TEXT, JSON)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The fields a request or verdict line may carry.
FIELDS = (
    "request_id",
    "surface",
    "outcome",
    "status",
    "team",
    "channel",
    "verdict",
    "row",
    "reason",
    "confidence",
    "latency_ms",
    "model_version",
    "verdict_id",
    "source",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the FIELDS it carries, and a traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None and value != "":
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of `log_format` (text or json)."""
    return JsonFormatter() if log_format == JSON else logging.Formatter(TEXT_FORMAT)


def configure_logging(*, log_format: str, verbose: bool = False) -> None:
    """Send the root logger's records, and Python's warnings, to stderr in `log_format`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True)
    # A library's warning is then a log line in the same format, not a bare line that breaks a JSON log.
    logging.captureWarnings(True)


def gunicorn_logconfig(log_format: str) -> dict[str, Any] | None:
    """gunicorn's own log set-up for `log_format` (None: gunicorn's default text lines)."""
    if log_format != JSON:
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "bot.logs.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            # gunicorn turns its access log on whenever a logconfig_dict is given: scope_bot.requests replaces it
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }
