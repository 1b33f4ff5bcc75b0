-- Migration 1 of scope-bot 0.1 (bot/store.py), verbatim: the schema of databases made by the first release.
CREATE TABLE processed_events (
                event_key VARCHAR(200) PRIMARY KEY,
                received_at VARCHAR(40) NOT NULL);
CREATE TABLE verdicts (
                id INTEGER PRIMARY KEY,
                created_at VARCHAR(40) NOT NULL,
                source VARCHAR(20) NOT NULL,
                team_id VARCHAR(40), channel_id VARCHAR(40), user_id VARCHAR(40), message_ts VARCHAR(40),
                text TEXT NOT NULL,
                label VARCHAR(80) NOT NULL, verdict VARCHAR(20) NOT NULL, confidence FLOAT NOT NULL,
                model_version VARCHAR(80) NOT NULL, lang VARCHAR(5) NOT NULL);
CREATE INDEX ix_verdicts_created_at ON verdicts (created_at);
CREATE TABLE quote_requests (
                id INTEGER PRIMARY KEY,
                ref VARCHAR(20) NOT NULL UNIQUE,
                created_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL,
                status VARCHAR(20) NOT NULL,
                requester_id VARCHAR(40) NOT NULL, origin_channel_id VARCHAR(40),
                original_text TEXT NOT NULL, detected_label VARCHAR(80),
                product VARCHAR(40) NOT NULL, what TEXT NOT NULL, timeline VARCHAR(200) NOT NULL,
                contact VARCHAR(200) NOT NULL, lang VARCHAR(5) NOT NULL,
                submission_key VARCHAR(200) UNIQUE,
                staff_channel_id VARCHAR(40), staff_message_ts VARCHAR(40),
                decided_by VARCHAR(40));
CREATE TABLE quote_status_log (
                id INTEGER PRIMARY KEY,
                quote_id INTEGER NOT NULL REFERENCES quote_requests (id),
                at VARCHAR(40) NOT NULL, status VARCHAR(20) NOT NULL, user_id VARCHAR(40));
CREATE TABLE feedback (
                id INTEGER PRIMARY KEY,
                created_at VARCHAR(40) NOT NULL,
                text TEXT NOT NULL,
                predicted_label VARCHAR(80),
                label VARCHAR(80) NOT NULL,
                source VARCHAR(20) NOT NULL,
                user_id VARCHAR(40),
                status VARCHAR(20) NOT NULL,
                reviewed_by VARCHAR(40), reviewed_at VARCHAR(40),
                dedupe_key VARCHAR(200) UNIQUE);
CREATE INDEX ix_feedback_status ON feedback (status);
CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                created_at VARCHAR(40) NOT NULL,
                method VARCHAR(60) NOT NULL,
                payload TEXT NOT NULL,
                purpose VARCHAR(60) NOT NULL,
                purpose_id INTEGER,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                next_attempt_at VARCHAR(40) NOT NULL,
                done_at VARCHAR(40));
CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at VARCHAR(40) NOT NULL);
INSERT INTO schema_migrations (id, name, applied_at) VALUES (1, 'initial schema', '2026-11-21T05:41:00+00:00');
