-- The schema a scope-bot at migration 6 created (sqlite), generated from its bot/db/schema.py: databases made
-- by it are in the field, so this file must stay as it was.
CREATE TABLE feedback (
	id INTEGER NOT NULL, 
	created_at VARCHAR(40) NOT NULL, 
	text TEXT NOT NULL, 
	predicted_label VARCHAR(80), 
	label VARCHAR(80) NOT NULL, 
	source VARCHAR(20) NOT NULL, 
	user_id VARCHAR(40), 
	status VARCHAR(20) NOT NULL, 
	reviewed_by VARCHAR(40), 
	reviewed_at VARCHAR(40), 
	dedupe_key VARCHAR(200), 
	flag_reason TEXT, 
	discarded_by VARCHAR(40), 
	discarded_at VARCHAR(40), 
	PRIMARY KEY (id), 
	UNIQUE (dedupe_key)
);

CREATE INDEX ix_feedback_status ON feedback (status);

CREATE TABLE heartbeats (
	worker VARCHAR(80) NOT NULL, 
	at VARCHAR(40) NOT NULL, 
	PRIMARY KEY (worker)
);

CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	created_at VARCHAR(40) NOT NULL, 
	method VARCHAR(60) NOT NULL, 
	payload TEXT NOT NULL, 
	purpose VARCHAR(60) NOT NULL, 
	purpose_id INTEGER, 
	attempts INTEGER DEFAULT '0' NOT NULL, 
	last_error TEXT, 
	next_attempt_at VARCHAR(40) NOT NULL, 
	done_at VARCHAR(40), 
	failed_at VARCHAR(40), 
	attempted_at VARCHAR(40), 
	parked_at VARCHAR(40), 
	dedupe_key VARCHAR(200), 
	PRIMARY KEY (id)
);

CREATE INDEX ix_outbox_due ON outbox (next_attempt_at);

CREATE UNIQUE INDEX ux_outbox_dedupe_key ON outbox (dedupe_key);

CREATE TABLE processed_events (
	event_key VARCHAR(200) NOT NULL, 
	received_at VARCHAR(40) NOT NULL, 
	payload TEXT, 
	handled_at VARCHAR(40), 
	PRIMARY KEY (event_key)
);

CREATE TABLE quote_requests (
	id INTEGER NOT NULL, 
	ref VARCHAR(20) NOT NULL, 
	created_at VARCHAR(40) NOT NULL, 
	updated_at VARCHAR(40) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	requester_id VARCHAR(40) NOT NULL, 
	origin_channel_id VARCHAR(40), 
	original_text TEXT NOT NULL, 
	detected_label VARCHAR(80), 
	product VARCHAR(40) NOT NULL, 
	what TEXT NOT NULL, 
	timeline VARCHAR(200) NOT NULL, 
	contact VARCHAR(200) NOT NULL, 
	lang VARCHAR(5) NOT NULL, 
	submission_key VARCHAR(200), 
	staff_channel_id VARCHAR(40), 
	staff_message_ts VARCHAR(40), 
	decided_by VARCHAR(40), 
	PRIMARY KEY (id), 
	UNIQUE (ref), 
	UNIQUE (submission_key)
);

CREATE TABLE schema_migrations (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	applied_at VARCHAR(40) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE verdicts (
	id INTEGER NOT NULL, 
	created_at VARCHAR(40) NOT NULL, 
	source VARCHAR(20) NOT NULL, 
	team_id VARCHAR(40), 
	channel_id VARCHAR(40), 
	user_id VARCHAR(40), 
	message_ts VARCHAR(40), 
	text TEXT NOT NULL, 
	label VARCHAR(80) NOT NULL, 
	verdict VARCHAR(20) NOT NULL, 
	confidence FLOAT NOT NULL, 
	model_version VARCHAR(80) NOT NULL, 
	lang VARCHAR(5) NOT NULL, 
	reason VARCHAR(20), 
	parts TEXT, 
	margin FLOAT, 
	alternatives TEXT, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_verdicts_created_at ON verdicts (created_at);

CREATE TABLE queue_decisions (
	verdict_id INTEGER NOT NULL, 
	decided_at VARCHAR(40) NOT NULL, 
	decided_by VARCHAR(40) NOT NULL, 
	outcome VARCHAR(20) NOT NULL, 
	label VARCHAR(80), 
	feedback_id INTEGER, 
	PRIMARY KEY (verdict_id), 
	FOREIGN KEY(verdict_id) REFERENCES verdicts (id), 
	FOREIGN KEY(feedback_id) REFERENCES feedback (id)
);

CREATE TABLE quote_status_log (
	id INTEGER NOT NULL, 
	quote_id INTEGER NOT NULL, 
	at VARCHAR(40) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	user_id VARCHAR(40), 
	PRIMARY KEY (id), 
	FOREIGN KEY(quote_id) REFERENCES quote_requests (id)
);
