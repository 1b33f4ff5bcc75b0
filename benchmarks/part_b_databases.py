"""Part B's databases: the bot's SQLite file always, and PostgreSQL on a throwaway loopback server when its binaries
are on this machine (tests/support/postgres.py: the same server the PostgreSQL test variants use).

    with bench_databases(workdir) as dbs:   # dbs.databases: SQLite first; dbs.skipped: why PostgreSQL is missing
        dbs.fresh(2)                        # the same databases, empty again: a round's own file and database
        ...                                 # the server is stopped on the way out, also on an error
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from harness import log
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import BotError
from tests.support.postgres import Databases, PostgresServer, find_bindir, start_server


@dataclass(frozen=True)
class BenchDatabase:
    key: str  # "sqlite", "postgresql": in server names and log file names
    label: str  # "SQLite", "PostgreSQL": in the tables
    url: str  # the bot's SCOPE_BOT_DB
    detail: str  # the set-up, for a table note


@dataclass(frozen=True)
class DatabaseSet:
    databases: tuple[BenchDatabase, ...]
    skipped: str | None  # why there is no PostgreSQL database (None: there is one)
    workdir: Path
    postgres: Databases | None = None

    def fresh(self, round_: int) -> tuple[BenchDatabase, ...]:
        """Empty databases for a round, so that no round measures on the rows an earlier one left behind."""
        if round_ == 1:
            return self.databases
        fresh = []
        for db in self.databases:
            if db.key == "sqlite":
                url = str(self.workdir / f"http-bench-r{round_}.db")
            else:
                assert self.postgres is not None
                _name, url = self.postgres.create()
            fresh.append(BenchDatabase(db.key, db.label, url, db.detail))
        return tuple(fresh)


SQLITE_DETAIL = "a new file per round in the run's temporary directory (the bot's own pragmas: WAL, synchronous=NORMAL)"


@contextmanager
def bench_databases(workdir: Path) -> Iterator[DatabaseSet]:
    """SQLite, then PostgreSQL when a throwaway server starts; the server is stopped when the block ends."""
    sqlite = BenchDatabase("sqlite", "SQLite", str(workdir / "http-bench.db"), SQLITE_DETAIL)
    server: PostgresServer | None = None
    try:
        postgres, skipped, server, creator = _postgres()
        databases = (sqlite,) if postgres is None else (sqlite, postgres)
        yield DatabaseSet(databases=databases, skipped=skipped, workdir=workdir, postgres=creator)
    finally:
        if server is not None:
            log(f"B: stopping the PostgreSQL server on 127.0.0.1:{server.port}")
            server.stop()


def _postgres() -> tuple[BenchDatabase | None, str | None, PostgresServer | None, Databases | None]:
    """(database, None, server, creator of further databases) or (None, why not, None, None); a server that
    started but failed later is stopped."""
    bindir = find_bindir()
    if bindir is None:
        return (
            None,
            "no PostgreSQL binaries (initdb and pg_ctl, looked up via `pg_config --bindir` and "
            "/usr/lib/postgresql/*/bin); install Debian's postgresql package to measure them",
            None,
            None,
        )
    log(f"B: starting a throwaway PostgreSQL server ({bindir})")
    server: PostgresServer | None = None
    try:
        server = start_server(bindir)
        creator = Databases(server)
        _name, url = creator.create()
        engine = server.admin()
        try:
            with engine.connect() as conn:
                version = str(conn.execute(sa.text("SHOW server_version")).scalar_one())
        finally:
            engine.dispose()
    except (RuntimeError, OSError, SQLAlchemyError, BotError) as exc:
        if server is not None:
            server.stop()
        first = str(exc).strip().splitlines()
        why = f"the throwaway PostgreSQL server did not start: {first[0] if first else type(exc).__name__}"
        return None, why, None, None
    except BaseException:  # Ctrl-C while setting up: no server left behind
        if server is not None:
            server.stop()
        raise
    detail = (
        f"PostgreSQL {version.split()[0]} on 127.0.0.1:{server.port}, a throwaway server in a temporary directory "
        "(tests/support/postgres.py: fsync, synchronous_commit and full_page_writes off), a fresh database per round"
    )
    log(f"B: PostgreSQL {version.split()[0]} up on 127.0.0.1:{server.port}")
    return BenchDatabase("postgresql", "PostgreSQL", url, detail), None, server, creator
