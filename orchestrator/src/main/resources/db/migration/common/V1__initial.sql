-- The schema as the orchestrator created it by hand before it used Flyway. A database made then
-- has all of this already and is baselined at version 1 instead of running this file.
--
-- Shared by SQLite and PostgreSQL: keep every statement within what both accept. Instants are
-- fixed-width UTC text (SqlTimes), so they round-trip exactly and sort as text.
-- A released migration is never edited, only followed by a new one.

-- Read by orchestrators from before Flyway, which refuse a version they do not know.
CREATE TABLE schema_version (
  version INTEGER NOT NULL PRIMARY KEY);

INSERT INTO schema_version (version) VALUES (1);

CREATE TABLE model_versions (
  name VARCHAR(200) NOT NULL,
  version INTEGER NOT NULL,
  snapshot_id VARCHAR(64) NOT NULL,
  created_at VARCHAR(40) NOT NULL,
  source TEXT,
  PRIMARY KEY (name, version));

CREATE INDEX model_versions_by_snapshot ON model_versions (name, snapshot_id);

CREATE TABLE runs (
  id VARCHAR(100) NOT NULL PRIMARY KEY,
  kind VARCHAR(40) NOT NULL,
  status VARCHAR(20) NOT NULL,
  model_ref VARCHAR(220),
  model_snapshot_id VARCHAR(64),
  data_snapshot_id VARCHAR(64),
  input_path TEXT,
  output_path TEXT,
  config_json TEXT,
  code_version VARCHAR(200),
  rows_in BIGINT NOT NULL,
  rows_out BIGINT NOT NULL,
  rows_rejected BIGINT NOT NULL,
  rows_truncated BIGINT NOT NULL,
  started_at VARCHAR(40) NOT NULL,
  finished_at VARCHAR(40),
  error TEXT);

CREATE INDEX runs_by_start ON runs (started_at);
