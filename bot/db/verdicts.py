"""The verdict log: every answer the bot gave, for quotes, feedback and the App Home counts."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from bot.db.runner import Runner, inserted_id
from bot.db.schema import verdicts
from bot.db.timestamps import iso, iso_ago, utc_now
from bot.errors import NotFoundError


@dataclass(frozen=True)
class VerdictPart:
    """One request of a logged message, with its own verdict (the text is a verbatim span of the message)."""

    text: str
    start: int
    end: int
    label: str
    verdict: str
    confidence: float
    reason: str | None = None


@dataclass(frozen=True)
class VerdictRecord:
    id: int
    created_at: str
    source: str
    team_id: str | None
    channel_id: str | None
    user_id: str | None
    message_ts: str | None
    text: str
    label: str
    verdict: str
    confidence: float
    model_version: str
    lang: str
    reason: str | None
    parts: tuple[VerdictPart, ...]

    def part(self, index: int | None) -> VerdictPart:
        """Part `index` of the message's parts; the whole message, with its own verdict, for None."""
        if index is None:
            return VerdictPart(
                text=self.text,
                start=0,
                end=len(self.text),
                label=self.label,
                verdict=self.verdict,
                confidence=self.confidence,
                reason=self.reason,
            )
        if not 0 <= index < len(self.parts):
            raise NotFoundError(f"verdict #{self.id} has no part {index}")
        return self.parts[index]


@dataclass(frozen=True)
class NewVerdict:
    """A verdict to log; where it was given is optional (the shell and the CLI have no channel)."""

    source: str
    text: str
    label: str
    verdict: str
    confidence: float
    model_version: str
    lang: str
    reason: str | None = None
    parts: tuple[VerdictPart, ...] = ()
    team_id: str | None = None
    channel_id: str | None = None
    user_id: str | None = None
    message_ts: str | None = None


def _record(row: Any) -> VerdictRecord:
    m = row._mapping
    fields = {f: m[f] for f in VerdictRecord.__dataclass_fields__ if f != "parts"}
    parts = tuple(VerdictPart(**p) for p in json.loads(m["parts"])) if m["parts"] else ()
    return VerdictRecord(**fields, parts=parts)


class Verdicts:
    def __init__(self, run: Runner):
        self._run = run

    def log(self, verdict: NewVerdict) -> int:
        """Append one verdict the bot gave; returns its id."""
        values = {
            "created_at": iso(utc_now()),
            **verdict.__dict__,
            "parts": json.dumps([asdict(p) for p in verdict.parts], ensure_ascii=False) if verdict.parts else None,
        }
        return self._run(lambda c: inserted_id(c.execute(verdicts.insert().values(**values))))

    def get(self, verdict_id: int) -> VerdictRecord:
        """One logged verdict; NotFoundError otherwise."""
        row = self._run(lambda c: c.execute(verdicts.select().where(verdicts.c.id == verdict_id)).first())
        if row is None:
            raise NotFoundError(f"no verdict #{verdict_id}")
        return _record(row)

    def counts(self, *, days: int = 7) -> dict[str, int]:
        """verdict -> count over the last `days` days."""
        query = (
            sa.select(verdicts.c.verdict, sa.func.count())
            .where(verdicts.c.created_at >= iso_ago(days=days))
            .group_by(verdicts.c.verdict)
        )
        return self._run(lambda c: {v: n for v, n in c.execute(query)})
