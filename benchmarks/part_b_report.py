"""Part B's tables: every run of every server; scope-bot / bare Bolt per database (per round and the median of the
rounds); the mention targets."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from harness import cell, table
from part_b_figures import MENTION, HttpFigures, LoadFigures, ServerFigures

ACK_P99_TARGET_MS = 50.0  # mention ack p99 with 4 clients, on every database
ACKS_RATIO_TARGET = 0.5  # mention acks/s with 4 clients, against the bare Bolt app of the same round


def report(figures: HttpFigures) -> None:
    """Print the skip line (no PostgreSQL), table B, the ratios per database and the p99 target table."""
    if figures.postgres_skipped:
        print(f"\nB: PostgreSQL rows skipped: {figures.postgres_skipped}")
    _runs_table(figures)
    rounds = []
    for round_ in figures.rounds():
        bots, bare = _measured(figures, round_)
        if bots and bare is not None:
            rounds.append((bots, bare))
    if not rounds:
        print("\nB: no ratios: the bare Bolt app or scope-bot was not measured in any round")
        return
    _ratios_table(rounds)
    _target_table(rounds, figures.clients)


def _measured(figures: HttpFigures, round_: int) -> tuple[list[ServerFigures], ServerFigures | None]:
    bare = figures.bare(round_)
    return [s for s in figures.scope_bots(round_) if s.runs], bare if bare is not None and bare.runs else None


def _runs_table(figures: HttpFigures) -> None:
    servers = figures.servers
    rows = [
        [
            s.round,
            s.name,
            s.database or "-",
            r.kind,
            r.clients,
            r.n,
            r.errors,
            r.acks_per_s,
            r.done_per_s,
            r.ack_p50_ms,
            r.ack_p99_ms,
            f"{r.replies}/{r.replies_expected}" if r.replies_expected else "-",
            r.reply_p50_ms,
            r.reply_p99_ms,
        ]
        for s in servers
        for r in s.runs
    ]
    measured = [s for s in servers if s.startup_s is not None]
    notes = [
        f"{figures.workers} gunicorn workers (gthread, 8 threads) each; client = {figures.clients} threads "
        "with keep-alive connections in the benchmark process; the fake Slack runs in a process of its own "
        "(all on the same CPUs as the server); scope-bot also runs its responder process",
        "the servers ran one after another in the order of the rows (every server once per round), the same load "
        "each, against one fake Slack",
        *(f"database {db.label}: {db.detail}" for db in figures.databases),
        "ack = time until the HTTP 200 response body was read; "
        "reply = request sent -> threaded chat.postMessage arrived at the fake",
        "acks/s = requests / time until the last ack; "
        "done/s = mentions whose threaded reply arrived / time until the last reply",
        "/scope acks carrying a verdict (blocks): " + ", ".join(f"{s.label}: {_verdict_bodies(s)}" for s in measured),
        "startup to first /healthz 200: "
        + ", ".join(f"{s.label} {s.startup_s:.1f} s" for s in measured)
        + "; RSS master+workers after the run: "
        + ", ".join(f"{s.label} {s.rss_mib:.0f} MiB" if s.rss_mib else f"{s.label} ?" for s in measured),
        f"fake Slack received {figures.auth_tests} auth.test calls in total",
    ]
    for s in servers:
        if s.failure:
            notes.append(f"{s.label}, round {s.round}: {'not measured: ' if s.startup_s is None else ''}{s.failure}")
        bad = {k: v for r in s.runs for k, v in r.statuses.items() if k != "200"}
        if bad:
            notes.append(f"{s.label}, round {s.round}: non-200 outcomes {bad}")
        if s.log_errors:
            notes.append(
                f"{s.label}, round {s.round}: {s.log_errors} ERROR/traceback line(s) in its output, "
                f"first: {s.first_error}"
            )
    table(
        "B. HTTP server on loopback: scope-bot serve per database vs. bare Bolt app (empty handlers), "
        "same gunicorn set-up",
        [
            "round",
            "server",
            "database",
            "request",
            "clients",
            "n",
            "errors",
            "acks/s",
            "done/s",
            "ack p50 ms",
            "ack p99 ms",
            "replies",
            "reply p50 ms",
            "reply p99 ms",
        ],
        rows,
        notes,
    )


Rounds = Sequence[tuple[list[ServerFigures], ServerFigures]]  # per round: the scope-bots, the bare app


def _ratios_table(rounds: Rounds) -> None:
    """Per database, request and clients: each round's scope-bot / bare ratios and their median."""
    keys = list(
        dict.fromkeys(
            (s.database, r.kind, r.clients) for bots, bare in rounds for s in bots for r, _ in _pairs(s, bare)
        )
    )
    rows = []
    for database, kind, clients in keys:
        pairs = _round_pairs(rounds, database, kind, clients)
        acks = [_div(m.acks_per_s, b.acks_per_s) for m, b in pairs]
        rows.append(
            [
                database or "-",
                kind,
                clients,
                _median([m.acks_per_s for m, _ in pairs]),
                _median([b.acks_per_s for _, b in pairs]),
                _x(_median(acks)),
                ", ".join(_x(a) for a in acks),
                _x(_median([_div(m.ack_p50_ms, b.ack_p50_ms) for m, b in pairs])),
                _x(_median([_div(m.ack_p99_ms, b.ack_p99_ms) for m, b in pairs])),
            ]
        )
    table(
        "B. Ratios scope-bot / bare Bolt per database, each against the bare Bolt app of the same round, median of "
        f"{len(rounds)} round(s) (acks/s below 1 and latency above 1 = scope-bot's own cost)",
        [
            "database",
            "request",
            "clients",
            "acks/s",
            "bare acks/s",
            "acks/s ratio",
            "per round",
            "ack p50 ratio",
            "ack p99 ratio",
        ],
        rows,
        ["acks/s columns: medians of the rounds; ratios: the median of the rounds' ratios"],
    )


def _target_table(rounds: Rounds, clients: int) -> None:
    databases = list(dict.fromkeys(s.database for bots, _ in rounds for s in bots))
    rows = []
    for database in databases:
        pairs = _round_pairs(rounds, database, MENTION, clients)
        if not pairs:
            continue
        worst_p99 = max((m.ack_p99_ms for m, _ in pairs if m.ack_p99_ms is not None), default=None)
        ratio = _median([_div(m.acks_per_s, b.acks_per_s) for m, b in pairs])
        errors = sum(m.errors for m, _ in pairs)
        met = (
            worst_p99 is not None
            and worst_p99 <= ACK_P99_TARGET_MS
            and ratio is not None
            and ratio >= ACKS_RATIO_TARGET
            and errors == 0
        )
        rows.append(
            [
                database or "-",
                _median([m.ack_p50_ms for m, _ in pairs]),
                _median([m.ack_p99_ms for m, _ in pairs]),
                worst_p99,
                _median([b.ack_p99_ms for _, b in pairs]),
                _x(ratio),
                errors,
                met,
            ]
        )
    table(
        f"B. Mention targets with {clients} clients per database: ack p99 at most {ACK_P99_TARGET_MS:.0f} ms in every "
        f"round, acks/s at least {ACKS_RATIO_TARGET}x the bare Bolt app's (median of the rounds), no errors",
        [
            "database",
            "ack p50 ms",
            "ack p99 ms",
            "worst round p99 ms",
            "bare ack p99 ms",
            "acks/s ratio",
            "errors",
            "target met",
        ],
        rows,
        ["ack columns: medians of the rounds, except the worst round's p99"],
    )


def _round_pairs(
    rounds: Rounds, database: str | None, kind: str, clients: int
) -> list[tuple[LoadFigures, LoadFigures]]:
    """Per round: the scope-bot run on `database` of this request and clients, with the bare app's."""
    out = []
    for bots, bare in rounds:
        for s in bots:
            if s.database == database:
                out.extend((m, b) for m, b in _pairs(s, bare) if m.kind == kind and m.clients == clients)
    return out


def _pairs(mine: ServerFigures, bare: ServerFigures) -> list[tuple[LoadFigures, LoadFigures]]:
    """Each run of `mine` with the bare app's run of the same request and clients (both with acks)."""
    pairs = []
    for r in mine.runs:
        other = bare.run(r.kind, r.clients)
        if other is not None and r.ack_p50_ms is not None and other.ack_p50_ms is not None:
            pairs.append((r, other))
    return pairs


def _verdict_bodies(server: ServerFigures) -> int:
    return sum(r.bodies_with_verdict for r in server.runs if r.kind.startswith("/scope"))


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _x(ratio: float | None) -> str:
    return f"{ratio:.2f}x" if ratio is not None else cell(None)
