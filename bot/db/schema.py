"""The one definition of every table: used to create a database and to query it."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Times are ISO 8601 text in UTC (see bot.db.timestamps), so they sort and compare as text.
_TIME = sa.String(40)
_SLACK_ID = sa.String(40)
_LABEL = sa.String(80)

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
    sa.Index("ix_feedback_status", "status"),
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
)
