"""Migrations: a new database is created from the schema; an older one gets what it lacks, rows intact."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.db import OutboxCall, Store
from bot.db.dialects import engine_url
from bot.db.migrations import MIGRATIONS, Migration
from bot.db.schema import metadata
from bot.errors import StoreError
from tests.support.outbox import claim_all

# The DDL migration 1 of the first release wrote (bot/store.py before bot/db existed): databases made by it are
# in the field, so this file must stay as it was.
V1_SCHEMA = Path(__file__).with_name("v1_schema.sql")
CALL = OutboxCall(method="chat.postMessage", payload={"channel": "C0QUOTES"}, purpose="quote_staff_post")


def table_columns(engine: sa.Engine) -> dict[str, list[str]]:
    inspector = sa.inspect(engine)
    return {t: sorted(c["name"] for c in inspector.get_columns(t)) for t in sorted(inspector.get_table_names())}


def test_a_new_database_has_every_table_of_the_schema_and_every_migration_recorded(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert table_columns(store.engine) == {
            t.name: sorted(c.name for c in t.columns) for t in metadata.sorted_tables
        }
        with store.engine.connect() as conn:
            recorded = [r[0] for r in conn.execute(sa.text("SELECT id FROM schema_migrations ORDER BY id"))]
        assert recorded == [m.number for m in MIGRATIONS]
    finally:
        store.close()


def test_a_database_of_the_first_release_is_migrated_with_its_rows(tmp_path):
    path = tmp_path / "v1.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for statement in V1_SCHEMA.read_text().split(";"):
            if statement.strip():
                conn.execute(sa.text(statement))
        conn.execute(
            sa.text(
                "INSERT INTO outbox (created_at, method, payload, purpose, purpose_id, attempts, next_attempt_at) "
                "VALUES ('2026-01-01T00:00:00+00:00', 'chat.postMessage', '{\"channel\": \"C0QUOTES\"}', "
                "'quote_staff_post', 1, 0, '2026-01-01T00:00:00.000000+00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO feedback (created_at, text, label, source, status) "
                "VALUES ('2026-01-01T00:00:00+00:00', 'Reset my 2FA', 'cstack.account', 'cli', 'accepted')"
            )
        )
    engine.dispose()

    store = Store.open(f"sqlite:///{path}")
    try:
        assert table_columns(store.engine) == {
            t.name: sorted(c.name for c in t.columns) for t in metadata.sorted_tables
        }
        [item] = claim_all(store.outbox, lease_seconds=30)
        assert (item.payload, item.purpose_id) == ({"channel": "C0QUOTES"}, 1)
        store.outbox.give_up(item.id, error="channel_not_found")
        assert (store.outbox.pending_count(), store.outbox.failed_count()) == (0, 1)
        assert [f.text for f in store.feedback.accepted()] == ["Reset my 2FA"]
        store.outbox.enqueue(CALL)  # new rows still get ids after the old ones
        assert store.outbox.pending_count() == 1
        with store.engine.connect() as conn:
            applied = [r[0] for r in conn.execute(sa.text("SELECT id FROM schema_migrations ORDER BY id"))]
            assert applied == [m.number for m in MIGRATIONS]
    finally:
        store.close()


def test_a_database_from_a_newer_scope_bot_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    Store.open(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO schema_migrations (id, name, applied_at) VALUES (99, 'future', 'x')"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"migrations \[99\].*upgrade scope-bot"):
        Store.open(url)


def test_a_database_missing_a_baseline_step_is_refused_rather_than_guessed_at(tmp_path):
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    Store.open(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM schema_migrations WHERE id = 1"))
    engine.dispose()
    with pytest.raises(StoreError, match="lacks migration 1"):
        Store.open(url)


def test_migrations_are_numbered_in_order():
    numbers = [m.number for m in MIGRATIONS]
    assert numbers == list(range(1, len(numbers) + 1))
    assert all(isinstance(m, Migration) for m in MIGRATIONS)


@pytest.mark.postgres
def test_a_database_at_migration_6_gets_real_timestamps_and_keeps_its_rows_and_their_order(empty_db_url):
    """A database the scope-bot of migration 6 made (its DDL, its ISO text times of both widths) migrates to
    timestamps: PostgreSQL's columns become `timestamp with time zone`, SQLite's text gets one width."""
    db_url = empty_db_url
    engine = sa.create_engine(engine_url(db_url))
    dialect = engine.dialect.name
    ddl = Path(__file__).with_name(f"v6_schema.{dialect}.sql").read_text()
    with engine.begin() as conn:
        for statement in ddl.split(";"):
            if "CREATE" in statement:
                conn.execute(sa.text(statement))
        for number in range(1, 7):
            conn.execute(
                sa.text("INSERT INTO schema_migrations (id, name, applied_at) VALUES (:n, 'old', :at)"),
                {"n": number, "at": "2026-11-01T00:00:00+00:00"},
            )
        # a whole-second creation time, microsecond schedule times, in an order text and time agree on
        for n, (created, due) in enumerate(
            [
                ("2026-11-30T12:00:00+00:00", "2026-11-30T12:00:00.500000+00:00"),
                ("2026-11-30T12:00:01+00:00", "2026-11-30T12:00:00.900000+00:00"),
            ],
            start=1,
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO outbox (id, created_at, method, payload, purpose, attempts, next_attempt_at) "
                    "VALUES (:id, :created, 'chat.postMessage', '{}', 'reply', 0, :due)"
                ),
                {"id": n, "created": created, "due": due},
            )
        conn.execute(
            sa.text(
                "INSERT INTO feedback (id, created_at, text, label, source, status, reviewed_at) VALUES "
                "(1, '2026-11-30T08:00:00+00:00', 'Reset my 2FA', 'cstack.account', 'cli', 'accepted', "
                "'2026-11-30T08:00:00+00:00')"
            )
        )
    engine.dispose()

    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            applied = [r[0] for r in conn.execute(sa.text("SELECT id FROM schema_migrations ORDER BY id"))]
            columns = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns("outbox")}
            event_indexes = {i["name"] for i in sa.inspect(conn).get_indexes("processed_events")}
        assert applied == [m.number for m in MIGRATIONS]
        assert "ix_events_waiting" in event_indexes  # migration 9
        if dialect == "postgresql":
            assert isinstance(columns["created_at"], sa.DateTime) and columns["created_at"].timezone
        [reset] = store.feedback.accepted()
        assert reset.created_at == reset.reviewed_at == datetime(2026, 11, 30, 8, tzinfo=UTC)
        entries = store.outbox.entries(states=("pending",))
        assert [(e.id, e.created_at, e.next_attempt_at) for e in entries] == [
            (1, datetime(2026, 11, 30, 12, tzinfo=UTC), datetime(2026, 11, 30, 12, 0, 0, 500000, tzinfo=UTC)),
            (2, datetime(2026, 11, 30, 12, 0, 1, tzinfo=UTC), datetime(2026, 11, 30, 12, 0, 0, 900000, tzinfo=UTC)),
        ]
        claimed = claim_all(store.outbox, lease_seconds=30)  # both due, the earlier schedule first
        assert [item.id for item in claimed] == [1, 2]
    finally:
        store.close()
