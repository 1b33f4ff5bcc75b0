"""Log lines: text by default, one JSON object per line with SCOPE_BOT_LOG_FORMAT=json."""

from __future__ import annotations

import json
import logging
import warnings

import pytest

from bot.logs import JsonFormatter, configure_logging


def record(message: str, **extra) -> logging.LogRecord:
    entry = logging.getLogger("scope_bot.test").makeRecord(
        "scope_bot.test", logging.INFO, __file__, 1, message, (), None, extra=extra
    )
    return entry


def test_json_lines_carry_the_request_fields_and_leave_out_empty_ones():
    line = JsonFormatter().format(
        record("command ok", request_id="tr-1", surface="command", team="T1", channel="", latency_ms=3.2, row=None)
    )
    entry = json.loads(line)
    assert entry["message"] == "command ok" and entry["level"] == "INFO" and entry["logger"] == "scope_bot.test"
    assert (entry["request_id"], entry["surface"], entry["team"], entry["latency_ms"]) == ("tr-1", "command", "T1", 3.2)
    assert "channel" not in entry and "row" not in entry
    assert entry["time"].endswith("+00:00")


def test_a_traceback_stays_inside_its_one_json_line():
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        import sys

        entry = logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(entry)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


@pytest.fixture
def root_logger():
    """configure_logging replaces the root logger's handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


def test_configure_logging_writes_json_or_text_to_stderr(capsys, root_logger):
    configure_logging(log_format="json")
    logging.getLogger("scope_bot.requests").info("mention ok", extra={"surface": "mention"})
    out = capsys.readouterr().err.strip().splitlines()
    assert json.loads(out[-1])["surface"] == "mention"
    configure_logging(log_format="text")
    logging.getLogger("scope_bot.requests").info("mention ok")
    assert capsys.readouterr().err.strip().endswith("INFO scope_bot.requests: mention ok")


def test_a_library_warning_is_a_log_line_in_the_log_format(capsys, root_logger):
    configure_logging(log_format="json")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("something a library says", UserWarning, stacklevel=1)
    [line] = capsys.readouterr().err.strip().splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["logger"]) == ("WARNING", "py.warnings")
    assert "something a library says" in entry["message"]
