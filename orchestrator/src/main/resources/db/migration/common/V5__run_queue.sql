-- Version 5: the run queue (io.embedflow.orchestrator.queue). Shared by SQLite and PostgreSQL.
-- Version 4 belongs to refresh specs, from another branch; Flyway runs the versions it finds in
-- order and does not mind the gap until then.

-- One row per run request. id is the enqueue order (increasing, from
-- run_queue_control); states: QUEUED, ADMITTED, SUCCEEDED, FAILED, CANCELLED.
CREATE TABLE run_queue (
  id BIGINT NOT NULL PRIMARY KEY,
  spec VARCHAR(200) NOT NULL,
  tenant VARCHAR(200) NOT NULL,
  priority INTEGER NOT NULL,
  slots INTEGER NOT NULL,
  dedupe_key VARCHAR(512) NOT NULL,
  trigger_kind VARCHAR(40) NOT NULL,
  trigger_detail TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  enqueued_at VARCHAR(40) NOT NULL,
  state VARCHAR(20) NOT NULL,
  attempts INTEGER NOT NULL,
  admitted_at VARCHAR(40),
  lease_owner VARCHAR(200),
  lease_expires_at VARCHAR(40),
  finished_at VARCHAR(40),
  run_id VARCHAR(100));

-- Dedupe: one active request per key, whoever inserts it (a partial index: both engines have them).
CREATE UNIQUE INDEX run_queue_active_key ON run_queue (dedupe_key) WHERE state IN ('QUEUED', 'ADMITTED');

-- Admission passes read every active row's claim from this index alone (it covers them), so
-- finished rows, which accumulate, cost a pass nothing; listings read it by state and tenant.
CREATE INDEX run_queue_by_state ON run_queue (state, tenant, priority, id, slots);

CREATE INDEX run_queue_by_lease ON run_queue (lease_owner, state);

-- The queue's single values, each in a row of its own: 'last_request_id' hands out ids,
-- 'admission_passes' counts passes, 'reserved_request' is the id the last pass reserved slots for
-- (0: none; see FairSharePolicy). Writers update a row before anything else in their transaction:
-- on PostgreSQL that row lock serializes enqueues (and, separately, admission passes) across
-- daemons until the transaction ends; SQLite serializes every writer anyway.
CREATE TABLE run_queue_control (
  name VARCHAR(40) NOT NULL PRIMARY KEY,
  value BIGINT NOT NULL);

INSERT INTO run_queue_control (name, value) VALUES ('last_request_id', 0);

INSERT INTO run_queue_control (name, value) VALUES ('admission_passes', 0);

INSERT INTO run_queue_control (name, value) VALUES ('reserved_request', 0);
