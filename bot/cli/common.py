"""Helpers shared by the CLI commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.db import Store
from bot.settings import Settings

# Who did it, for feedback and reviews from the command line.
CLI_USER = "cli"


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    """The database for one command, closed afterwards."""
    store = Store.open(settings.db_url)
    try:
        yield store
    finally:
        store.close()


def one_line(text: str, width: int = 70) -> str:
    """`text` on one line, cut to `width` characters with an ellipsis, for table rows."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def json_lines(text: str, *, source: str, error: type[Exception]) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) of each non-blank line; `error` names the source and line of invalid JSON."""
    # split on \n only: str.splitlines would also cut at U+2028, which JSON may carry unescaped
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{source} line {number}: invalid JSON ({exc.msg})") from exc
