"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary directory, a free loopback port.

The server runs as a non-root user (initdb refuses root; Debian's package creates `postgres`), trusts loopback
connections, and is tuned for throwaway data (no fsync). Each test gets its own database, a copy of a template
that already holds the schema.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bot.db import Store

USER = "scope"
TEMPLATE = "scope_template"
SERVER_USER = "postgres"  # who runs the server binaries when the tests run as root
# Throwaway data: nothing needs to survive a crash, and every saved fsync makes the suite faster.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def find_bindir() -> Path | None:
    """The directory of initdb and pg_ctl: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    debian = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted((Path(d) for d in debian), key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)[
        ::-1
    ]
    return next((d for d in candidates if (d / "initdb").is_file() and (d / "pg_ctl").is_file()), None)


def _as_server_user() -> list[str]:
    """The command prefix that runs a server binary as a non-root user (nothing when not root)."""
    if os.geteuid() != 0:
        return []
    if runuser := shutil.which("runuser"):
        return [runuser, "-u", SERVER_USER, "--"]
    return ["setpriv", f"--reuid={SERVER_USER}", f"--regid={SERVER_USER}", "--init-groups"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class PostgresServer:
    bindir: Path
    base: Path  # the temporary directory: data, socket and log
    port: int

    def url(self, database: str) -> str:
        """A plain postgresql:// URL, as an admin would write it."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> sa.Engine:
        """An engine on the maintenance database, in autocommit (CREATE/DROP DATABASE)."""
        return sa.create_engine(
            self.url("postgres").replace("postgresql://", "postgresql+psycopg://"),
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )

    def stop(self) -> None:
        """Stop the server at once and remove its directory."""
        subprocess.run(
            [*_as_server_user(), str(self.bindir / "pg_ctl"), "-D", str(self.base / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")


def _linguistic_locale(bindir: Path) -> list[str]:
    """initdb options for an ICU locale like production servers' (PostgreSQL 15 and later), not C: a text
    comparison that depends on the collation shows up in the tests."""
    version = subprocess.run([str(bindir / "initdb"), "--version"], capture_output=True, text=True, check=False)
    major = version.stdout.split()[-1].split(".")[0] if version.stdout.split() else ""
    if not major.isdigit() or int(major) < 15:
        return []
    return ["--locale-provider=icu", "--icu-locale=en-US", "--locale=C.UTF-8"]


def start_server(bindir: Path) -> PostgresServer:
    """initdb into a fresh temporary directory and start the server on a free 127.0.0.1 port."""
    base = Path(tempfile.mkdtemp(prefix="scope-bot-pg-"))
    prefix = _as_server_user()
    if prefix:
        shutil.chown(base, SERVER_USER, SERVER_USER)
    data, sockets = base / "data", base / "sockets"
    try:
        _run([*prefix, "mkdir", str(sockets)])
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "--no-sync", "-E", "UTF8"]
        _run([*prefix, *initdb, *_linguistic_locale(bindir)])
        for attempt in itertools.count(1):
            port = _free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} {FAST}"
            start = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w"]
            try:
                _run([*start, "-t", "30", "-o", options, "start"])
                break
            except RuntimeError:
                if attempt == 3:  # another process took the free port in between, three times: give up
                    raise
        server = PostgresServer(bindir=bindir, base=base, port=port)
        with server.admin().connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {TEMPLATE}"))
        Store.open(server.url(TEMPLATE)).close()  # the schema, made once and copied for each test
        return server
    except BaseException:
        log = base / "server.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        PostgresServer(bindir=bindir, base=base, port=0).stop()
        if detail:
            raise RuntimeError(f"PostgreSQL did not start; its log ends:\n{detail}") from None
        raise


class Databases:
    """Fresh databases on one server: each a copy of the template (`empty=True`: no schema at all)."""

    def __init__(self, server: PostgresServer):
        self.server = server
        self._names = (f"scope_test_{n}" for n in itertools.count(1))
        self._engine = server.admin()

    def create(self, *, empty: bool = False) -> tuple[str, str]:
        """(name, url) of a new database."""
        name = next(self._names)
        template = "template0" if empty else TEMPLATE
        with self._engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {template}"))
        return name, self.server.url(name)

    def drop(self, name: str) -> None:
        """Drop a database, closing connections a test left open."""
        with self._engine.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
