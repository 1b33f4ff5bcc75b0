"""The one definition of every table: used to create a database and to query it."""

from __future__ import annotations

import sqlalchemy as sa

from bot.db.timestamps import UtcDateTime

metadata = sa.MetaData()

# Times: `timestamp with time zone` on PostgreSQL, fixed-width ISO 8601 text in UTC on SQLite (bot.db.timestamps);
# aware UTC datetimes in Python either way.
_TIME = UtcDateTime()
_SLACK_ID = sa.String(40)
_LABEL = sa.String(80).with_variant(sa.String(80, collation="C"), "postgresql")  # sorted as on SQLite

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", _TIME, nullable=False),
)

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("event_key", sa.String(200), primary_key=True),
    sa.Column("received_at", _TIME, nullable=False),
    # The inbox: an event the bot answers is stored (JSON) before Slack gets its acknowledgement, and marked
    # handled in the transaction that queues its reply; one a worker died on is handled by the recovery task.
    sa.Column("payload", sa.Text),
    sa.Column("handled_at", _TIME),
    # The events still waiting: the responder looks for them 20 times a second among a week of handled ones.
    sa.Index(
        "ix_events_waiting",
        "received_at",
        sqlite_where=sa.text("handled_at IS NULL"),
        postgresql_where=sa.text("handled_at IS NULL"),
    ),
)

verdicts = sa.Table(
    "verdicts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("team_id", _SLACK_ID),
    sa.Column("channel_id", _SLACK_ID),
    sa.Column("user_id", _SLACK_ID),
    sa.Column("message_ts", _SLACK_ID),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("label", _LABEL, nullable=False),
    sa.Column("verdict", sa.String(20), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("model_version", sa.String(80), nullable=False),
    sa.Column("lang", sa.String(5), nullable=False),
    sa.Column("reason", sa.String(20)),  # why the verdict is unsure: not_a_request | not_covered | low_confidence
    sa.Column("parts", sa.Text),  # JSON list of the message's parts (text, start, end, label, verdict, confidence)
    # How sure the model was, for the review queue: top label probability minus the second's; for a mixed message
    # its least sure part's 2p - 1 (p: that part's verdict probability). NULL for verdicts logged before.
    sa.Column("margin", sa.Float),
    sa.Column("alternatives", sa.Text),  # JSON list of the top 3 labels (label, probability), best first
    sa.Index("ix_verdicts_created_at", "created_at"),
)

quote_requests = sa.Table(
    "quote_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ref", sa.String(20), nullable=False, unique=True),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Column("updated_at", _TIME, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("requester_id", _SLACK_ID, nullable=False),
    sa.Column("origin_channel_id", _SLACK_ID),
    sa.Column("original_text", sa.Text, nullable=False),
    sa.Column("detected_label", _LABEL),
    sa.Column("product", _SLACK_ID, nullable=False),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("timeline", sa.String(200), nullable=False),
    sa.Column("contact", sa.String(200), nullable=False),
    sa.Column("lang", sa.String(5), nullable=False),
    sa.Column("submission_key", sa.String(200), unique=True),
    sa.Column("staff_channel_id", _SLACK_ID),
    sa.Column("staff_message_ts", _SLACK_ID),
    sa.Column("decided_by", _SLACK_ID),
)

quote_status_log = sa.Table(
    "quote_status_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("quote_id", sa.Integer, sa.ForeignKey("quote_requests.id"), nullable=False),
    sa.Column("at", _TIME, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("user_id", _SLACK_ID),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("predicted_label", _LABEL),
    sa.Column("label", _LABEL, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("user_id", _SLACK_ID),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reviewed_by", _SLACK_ID),
    sa.Column("reviewed_at", _TIME),
    sa.Column("dedupe_key", sa.String(200), unique=True),
    # Why the audit held the item for review: it contradicts a confident prediction of the model of the time.
    sa.Column("flag_reason", sa.Text),
    # Who withdrew the item (a reviewer's discard, or `feedback discard` of accepted feedback), and when.
    sa.Column("discarded_by", _SLACK_ID),
    sa.Column("discarded_at", _TIME),
    sa.Index("ix_feedback_status", "status"),
)

# The review queue's decisions: one per verdict, the first reviewer's (an answer, which is feedback, or a skip), so
# a message is asked about once; the verdict log itself stays append-only.
queue_decisions = sa.Table(
    "queue_decisions",
    metadata,
    sa.Column("verdict_id", sa.Integer, sa.ForeignKey("verdicts.id"), primary_key=True, autoincrement=False),
    sa.Column("decided_at", _TIME, nullable=False),
    sa.Column("decided_by", _SLACK_ID, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),  # answered | skipped
    sa.Column("label", _LABEL),
    sa.Column("feedback_id", sa.Integer, sa.ForeignKey("feedback.id")),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Column("method", sa.String(60), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("purpose", sa.String(60), nullable=False),
    sa.Column("purpose_id", sa.Integer),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", _TIME, nullable=False),
    sa.Column("done_at", _TIME),
    sa.Column("failed_at", _TIME),
    # Set when a send starts, cleared when Slack definitely did not take it: a row still marked after a crash or
    # a timeout may have been posted, so the channel is searched for it before it is sent again.
    sa.Column("attempted_at", _TIME),
    # An auth or channel error (invalid_auth, not_in_channel ...): retried with a long backoff until fixed.
    sa.Column("parked_at", _TIME),
    # One queued call per key (e.g. one apology per Slack event, however often Slack retries it).
    sa.Column("dedupe_key", sa.String(200)),
    sa.Index("ix_outbox_due", "next_attempt_at"),
    sa.Index("ux_outbox_dedupe_key", "dedupe_key", unique=True),
)

# One row per serving process, written by /healthz: proves the database still takes writes (a full disk does not).
heartbeats = sa.Table(
    "heartbeats",
    metadata,
    sa.Column("worker", sa.String(80), primary_key=True),
    sa.Column("at", _TIME, nullable=False),
)

# Model versions published through the database (the model store of several replicas, bot.db.model_versions): the
# artifact bytes and the manifest that vouches for them, checked at load exactly as a version directory is.
model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column("version", _LABEL, primary_key=True),
    sa.Column("created_at", _TIME, nullable=False),  # the manifest's, which orders the versions
    sa.Column("manifest", sa.Text, nullable=False),  # JSON, as manifest.json
    sa.Column("artifact", sa.LargeBinary, nullable=False),  # the skops file
)

# `current`: one row, the version in use and the ones current before it (JSON list, newest first).
model_current = sa.Table(
    "model_current",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("version", _LABEL, sa.ForeignKey("model_versions.version"), nullable=False),
    sa.Column("history", sa.Text, nullable=False),
    sa.Column("updated_at", _TIME, nullable=False),
)
