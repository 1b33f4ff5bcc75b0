"""Running `scope-bot` in-process through its real entry point, and what a clean CLI error looks like."""

from __future__ import annotations

import json

from bot.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scope-bot: error: "), err
    for fragment in fragments:
        assert fragment in lines[0]


def feedback_json(capsys, *extra: str) -> list[dict]:
    code, out, _ = run(capsys, "feedback", "list", "--json", *extra)
    assert code == 0
    return json.loads(out)
