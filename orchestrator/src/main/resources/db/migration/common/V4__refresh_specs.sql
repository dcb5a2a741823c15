-- Version 4: refresh specs (`embedflow schedule`), what each spec's triggers last observed, and
-- every trigger firing. Shared by SQLite and PostgreSQL: booleans are INTEGER 0/1, instants are
-- fixed-width UTC text (SqlTimes), sequence numbers are MAX + 1 inside the writing transaction.

-- One row per registered spec; spec_yaml is the canonical YAML (absolute locations) it was added as.
CREATE TABLE refresh_specs (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  tenant VARCHAR(64) NOT NULL,
  spec_yaml TEXT NOT NULL,
  paused INTEGER NOT NULL,
  created_at VARCHAR(40) NOT NULL,
  updated_at VARCHAR(40) NOT NULL);

-- What the triggers of a spec have accounted for. revision grows by one with every write, and a
-- write names the revision it read: of two evaluators racing on one spec only one records a firing.
--   cron_checked_at     due times up to here have fired (or were skipped by a pause)
--   data_snapshot_id    the dataset's data snapshot when last seen (NULL: no data files);
--   data_seen_at        when that was first seen (NULL: never looked, the first look is the baseline)
--   alias_version       where the model alias pointed when last seen (NULL: it did not exist)
--   last_run_*          the spec's own last finished run, reported by the runner; the last
--   last_success_*      succeeded one is what specs with `after: [this]` follow
CREATE TABLE spec_trigger_state (
  spec_name VARCHAR(64) NOT NULL PRIMARY KEY,
  revision BIGINT NOT NULL,
  cron_checked_at VARCHAR(40),
  data_snapshot_id VARCHAR(100),
  data_seen_at VARCHAR(40),
  alias_version INTEGER,
  alias_seen_at VARCHAR(40),
  last_run_id VARCHAR(100),
  last_run_succeeded INTEGER,
  last_run_finished_at VARCHAR(40),
  last_success_run_id VARCHAR(100),
  last_success_at VARCHAR(40),
  FOREIGN KEY (spec_name) REFERENCES refresh_specs (name));

-- For a spec with `after: [upstream, ...]`: the upstream's last succeeded run it has fired for
-- (or that had already succeeded when the spec was added). No row: none seen.
CREATE TABLE spec_upstream_seen (
  spec_name VARCHAR(64) NOT NULL,
  upstream VARCHAR(64) NOT NULL,
  run_id VARCHAR(100) NOT NULL,
  PRIMARY KEY (spec_name, upstream),
  FOREIGN KEY (spec_name) REFERENCES refresh_specs (name));

-- Every firing, numbered 1, 2, 3, ... across all specs; written in the transaction that moves the
-- spec's trigger state, so a cause fires exactly once. Kept when a spec is removed. consumed_by
-- names what took the firing (a queue entry or run id); NULL while it waits.
CREATE TABLE trigger_log (
  seq BIGINT NOT NULL PRIMARY KEY,
  spec_name VARCHAR(64) NOT NULL,
  kind VARCHAR(20) NOT NULL,
  detail TEXT NOT NULL,
  fired_at VARCHAR(40) NOT NULL,
  consumed_by VARCHAR(100),
  consumed_at VARCHAR(40));

CREATE INDEX trigger_log_by_spec ON trigger_log (spec_name, seq);

CREATE INDEX trigger_log_by_consumed ON trigger_log (consumed_at, seq);
