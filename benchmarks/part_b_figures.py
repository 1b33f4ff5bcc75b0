"""Part B's figures: one load run, one server (scope-bot on one database, or the bare Bolt app), the whole part."""

from __future__ import annotations

from dataclasses import dataclass

from harness import percentile
from load import LoadResult
from part_b_databases import BenchDatabase

MENTION = "app_mention event"
COMMAND = "/scope command"


@dataclass(frozen=True)
class LoadFigures:
    """One load run against one server (latencies in ms; None: nothing to take a percentile of)."""

    kind: str
    clients: int
    n: int
    errors: int
    acks_per_s: float
    done_per_s: float | None
    ack_p50_ms: float | None
    ack_p99_ms: float | None
    replies: int  # threaded replies that arrived at the fake Slack
    replies_expected: int  # 0: replies not awaited
    reply_p50_ms: float | None
    reply_p99_ms: float | None
    bodies_with_verdict: int
    statuses: dict[str, int]

    @classmethod
    def of(cls, r: LoadResult) -> LoadFigures:
        return cls(
            kind=r.kind,
            clients=r.clients,
            n=r.n,
            errors=r.n - r.ok,
            acks_per_s=r.per_s,
            done_per_s=r.done_per_s,
            ack_p50_ms=percentile(r.latencies_ms, 50) if r.latencies_ms else None,
            ack_p99_ms=percentile(r.latencies_ms, 99) if r.latencies_ms else None,
            replies=len(r.reply_ms),
            replies_expected=r.replies_expected,
            reply_p50_ms=percentile(r.reply_ms, 50) if r.reply_ms else None,
            reply_p99_ms=percentile(r.reply_ms, 99) if r.reply_ms else None,
            bodies_with_verdict=r.bodies_with_verdict,
            statuses=dict(r.statuses),
        )


@dataclass(frozen=True)
class ServerFigures:
    name: str  # "scope-bot", "bare-bolt"
    database: str | None  # "SQLite", "PostgreSQL"; None: the bare app, which has none
    startup_s: float | None  # start to first /healthz 200 (None: it never answered)
    rss_mib: float | None  # master + workers after the run
    runs: tuple[LoadFigures, ...]
    log_errors: int = 0  # lines of its output at ERROR level or starting a traceback
    first_error: str | None = None  # the first of them
    failure: str | None = None  # why it was not measured, or not to the end
    round: int = 1  # which round of part B (every server runs once per round, in turns)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.database})" if self.database else self.name

    def run(self, kind: str, clients: int) -> LoadFigures | None:
        return next((r for r in self.runs if r.kind == kind and r.clients == clients), None)


@dataclass(frozen=True)
class HttpFigures:
    servers: tuple[ServerFigures, ...]  # in the order they ran
    databases: tuple[BenchDatabase, ...]  # the scope-bot servers' databases
    postgres_skipped: str | None  # why there are no PostgreSQL rows (None: there are)
    auth_tests: int  # auth.test calls the fake Slack received in total
    workers: int
    clients: int

    def rounds(self) -> tuple[int, ...]:
        return tuple(sorted({s.round for s in self.servers}))

    def scope_bots(self, round_: int) -> tuple[ServerFigures, ...]:
        return tuple(s for s in self.servers if s.name == "scope-bot" and s.round == round_)

    def bare(self, round_: int) -> ServerFigures | None:
        return next((s for s in self.servers if s.name == "bare-bolt" and s.round == round_), None)
