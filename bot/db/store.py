"""The database: SQLite by default, PostgreSQL (or any SQLAlchemy URL) otherwise; one repository per record type."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from bot.db.dialects import engine_url, retryable, shown
from bot.db.events import Events
from bot.db.feedback import Feedback
from bot.db.heartbeats import Heartbeats
from bot.db.migrations import migrate
from bot.db.model_versions import ModelVersions
from bot.db.outbox import Outbox
from bot.db.quotes import Quotes
from bot.db.reporting import Reporting
from bot.db.runner import Runner, in_connection
from bot.db.verdicts import Verdicts
from bot.errors import StoreError

T = TypeVar("T")
# How often a transaction PostgreSQL aborted in a conflict (serialization failure, deadlock) is run again.
CONFLICT_RETRIES = 3


class Records:
    """The repositories over one Runner: every call in its own transaction, or all in the caller's; `single`
    runs what is one statement alone (by default in a transaction of `run`'s)."""

    def __init__(self, run: Runner, *, single: Runner | None = None):
        self.events = Events(run, single=single or run)
        self.verdicts = Verdicts(run)
        self.quotes = Quotes(run)
        self.feedback = Feedback(run)
        self.outbox = Outbox(run)
        self.heartbeats = Heartbeats(run)
        self.model_versions = ModelVersions(run)
        self.reporting = Reporting(run)  # read-only figures of the weekly report

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once what is written through these records is committed."""
        raise NotImplementedError


class Tx(Records):
    """One open transaction: what is written through it is committed together or not at all."""

    def __init__(self, conn: Connection):
        super().__init__(in_connection(conn))
        self.conn = conn
        self.committed: list[Callable[[], None]] = []

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the transaction has committed (never for an attempt rolled back or retried)."""
        self.committed.append(action)


class Store(Records):
    """Open with Store.open(url). `store.quotes.get(ref)` runs one short transaction; `store.transact(work)`
    runs `work(tx)` in one."""

    def __init__(self, engine: Engine, *, autocommit: Engine):
        self.engine = engine
        self._autocommit = autocommit  # the same database, every statement committed on its own
        super().__init__(self._run, single=self._run_single)

    @property
    def engines(self) -> tuple[Engine, Engine]:
        """Both connection pools on the database: transactions, and statements committed on their own."""
        return self.engine, self._autocommit

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect (creating the SQLite file's directory) and apply pending migrations. A postgresql:// URL
        uses psycopg 3 (StoreError naming the install command when it is missing)."""
        target = engine_url(url)
        options: dict[str, Any] = {}
        if target.get_backend_name() == "sqlite":
            path = target.database or ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Several gunicorn workers share the file: wait for a writer instead of failing at once.
            options["connect_args"] = {"timeout": 15, "check_same_thread": False}
        else:
            options["pool_pre_ping"] = True  # a server restart or failover leaves dead pooled connections
            # An unreachable server must fail a request (and /healthz) in seconds, not hold every thread.
            options["connect_args"] = {"connect_timeout": 10}
        try:
            engine = sa.create_engine(target, **options)
            # The acknowledgement's one INSERT needs no transaction around it: on PostgreSQL that saves the BEGIN,
            # the COMMIT and the pre-ping, three of its four round trips (a dead connection is retried instead).
            options.pop("pool_pre_ping", None)
            autocommit = sa.create_engine(target, isolation_level="AUTOCOMMIT", **options)
            if engine.dialect.name == "sqlite":
                sa.event.listen(engine, "connect", _sqlite_pragmas)
                sa.event.listen(autocommit, "connect", _sqlite_pragmas)
            with engine.begin() as conn:
                migrate(conn)
        except SQLAlchemyError as exc:
            detail = str(exc.args[0] if exc.args else "").strip().splitlines()
            raise StoreError(
                f"cannot open database {shown(url)}: {exc.__class__.__name__}: {detail[0] if detail else ''}"
            ) from exc
        return cls(engine, autocommit=autocommit)

    def close(self) -> None:
        """Release the connection pools."""
        self.engine.dispose()
        self._autocommit.dispose()

    def _run(self, work: Callable[[Connection], T], /) -> T:
        conflicts = 0
        while True:
            try:
                with self._begin() as conn:
                    return work(conn)
            except StoreError as exc:
                conflicts += 1
                if conflicts >= CONFLICT_RETRIES or not retryable(exc.__cause__ or exc):
                    raise

    def _run_single(self, work: Callable[[Connection], T], /) -> T:
        try:
            with self._autocommitted() as conn:
                return work(conn)
        except StoreError as exc:
            if not (isinstance(exc.__cause__, DBAPIError) and exc.__cause__.connection_invalidated):
                raise
        # A pooled connection the server had closed (a restart, a failover) is gone from the pool now: once more
        # on a new one. Had the statement committed before the line broke, the INSERT's IntegrityError says so.
        with self._autocommitted() as conn:
            return work(conn)

    @contextmanager
    def _autocommitted(self) -> Iterator[Connection]:
        with _store_errors(), self._autocommit.connect() as conn:
            yield conn

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        with _store_errors(), self.engine.begin() as conn:
            yield conn

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` now: what was written through the store itself is committed already."""
        action()

    def transact(self, work: Callable[[Tx], T], *, attempts: int = 1) -> T:
        """Run `work(tx)` in one transaction; retried up to `attempts` times when a unique constraint races (and
        up to CONFLICT_RETRIES times when PostgreSQL aborts it in a conflict)."""
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        races = conflicts = 0
        while True:
            try:
                with self._begin() as conn:
                    tx = Tx(conn)
                    result = work(tx)
                for action in tx.committed:
                    action()
                return result
            except IntegrityError as exc:
                races += 1
                if races >= attempts:
                    raise StoreError(f"conflicting writes, gave up after {attempts} attempt(s): {exc.orig}") from exc
            except StoreError as exc:
                conflicts += 1
                if conflicts >= CONFLICT_RETRIES or not retryable(exc.__cause__ or exc):
                    raise


@contextmanager
def _store_errors() -> Iterator[None]:
    """SQLAlchemy's errors as StoreError, except IntegrityError: callers use it to detect duplicates and races."""
    try:
        yield
    except IntegrityError:
        raise
    except SQLAlchemyError as exc:
        raise StoreError(f"database error: {exc.__class__.__name__}: {exc}") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer across worker processes
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives a crash of the process (kill
    # -9) but not necessarily a power cut. FULL would make every acknowledged event wait for an fsync.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
