"""Part B's tables: every run of every server; scope-bot / bare Bolt per database; the mention ack p99 target."""

from __future__ import annotations

from harness import table
from part_b_figures import MENTION, HttpFigures, LoadFigures, ServerFigures

ACK_P99_TARGET_MS = 50.0  # mention ack p99 with 4 clients, on every database


def report(figures: HttpFigures) -> None:
    """Print the skip line (no PostgreSQL), table B, the ratios per database and the p99 target table."""
    if figures.postgres_skipped:
        print(f"\nB: PostgreSQL rows skipped: {figures.postgres_skipped}")
    _runs_table(figures)
    bare = figures.bare()
    bots = [s for s in figures.scope_bots() if s.runs]
    if bare is None or not bare.runs or not bots:
        print("\nB: no ratios: " + ("the bare Bolt app was not measured" if bots else "no scope-bot was measured"))
        return
    _ratios_table(bots, bare)
    _target_table(bots, bare, figures.clients)


def _runs_table(figures: HttpFigures) -> None:
    servers = figures.servers
    rows = [
        [
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
        "the servers ran one after another in the order of the rows, the same load each, against one fake Slack",
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
            notes.append(f"{s.label}: {'not measured: ' if s.startup_s is None else ''}{s.failure}")
        bad = {k: v for r in s.runs for k, v in r.statuses.items() if k != "200"}
        if bad:
            notes.append(f"{s.label}: non-200 outcomes {bad}")
        if s.log_errors:
            notes.append(f"{s.label}: {s.log_errors} ERROR/traceback line(s) in its output, first: {s.first_error}")
    table(
        "B. HTTP server on loopback: scope-bot serve per database vs. bare Bolt app (empty handlers), "
        "same gunicorn set-up",
        [
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


def _ratios_table(bots: list[ServerFigures], bare: ServerFigures) -> None:
    rows = [
        [
            s.database or "-",
            mine.kind,
            mine.clients,
            mine.acks_per_s,
            theirs.acks_per_s,
            _ratio(mine.acks_per_s, theirs.acks_per_s),
            _ratio(mine.ack_p50_ms, theirs.ack_p50_ms),
            _ratio(mine.ack_p99_ms, theirs.ack_p99_ms),
        ]
        for s in bots
        for mine, theirs in _pairs(s, bare)
    ]
    table(
        "B. Ratios scope-bot / bare Bolt per database, against the bare Bolt app of the same run "
        "(acks/s below 1 and latency above 1 = scope-bot's own cost)",
        ["database", "request", "clients", "acks/s", "bare acks/s", "acks/s ratio", "ack p50 ratio", "ack p99 ratio"],
        rows,
    )


def _target_table(bots: list[ServerFigures], bare: ServerFigures, clients: int) -> None:
    theirs = bare.run(MENTION, clients)
    rows = []
    for s in bots:
        mine = s.run(MENTION, clients)
        if mine is None:
            continue
        met = mine.ack_p99_ms is not None and mine.ack_p99_ms <= ACK_P99_TARGET_MS and mine.errors == 0
        rows.append(
            [
                s.database or "-",
                mine.ack_p50_ms,
                mine.ack_p99_ms,
                theirs.ack_p99_ms if theirs else None,
                _ratio(mine.acks_per_s, theirs.acks_per_s if theirs else None),
                met,
            ]
        )
    table(
        f"B. Mention ack p99 with {clients} clients per database (target: at most {ACK_P99_TARGET_MS:.0f} ms, "
        "no errors, on every database)",
        ["database", "ack p50 ms", "ack p99 ms", "bare ack p99 ms", "acks/s ratio", "target met"],
        rows,
    )


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


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "-"
