-- Version 6: what `embedflow serve` needs. Shared by SQLite and PostgreSQL.

-- What started each run (NULL for runs started by `embed`, `runs replay` or before version 6):
--   spec_name       the refresh spec it ran
--   trigger_kind    the firing's kind (CRON, NEW_DATA, MODEL_ALIAS, AFTER, MANUAL)
--   trigger_detail  what caused it, for people
--   trigger_firing  the firing's seq in trigger_log
--   queue_request   the run_queue request it ran for (a request's retries are several runs)
--   log_location    where the log of the process that ran it is, and its Flink job
ALTER TABLE runs ADD COLUMN spec_name VARCHAR(64);

ALTER TABLE runs ADD COLUMN trigger_kind VARCHAR(20);

ALTER TABLE runs ADD COLUMN trigger_detail TEXT;

ALTER TABLE runs ADD COLUMN trigger_firing BIGINT;

ALTER TABLE runs ADD COLUMN queue_request BIGINT;

ALTER TABLE runs ADD COLUMN log_location TEXT;

CREATE INDEX runs_by_queue_request ON runs (queue_request);

-- Retries of a request, counted per failure class (each class has its own budget), and the time
-- before which an admission pass leaves a request that is backing off alone (NULL: no wait).
ALTER TABLE run_queue ADD COLUMN not_before VARCHAR(40);

ALTER TABLE run_queue ADD COLUMN transient_retries INTEGER NOT NULL DEFAULT 0;

ALTER TABLE run_queue ADD COLUMN preemption_retries INTEGER NOT NULL DEFAULT 0;

-- The admission pass's read now also filters on not_before: keep the index covering it.
DROP INDEX run_queue_by_state;

CREATE INDEX run_queue_by_state ON run_queue (state, tenant, priority, id, slots, not_before);

CREATE INDEX run_queue_by_run ON run_queue (run_id);
