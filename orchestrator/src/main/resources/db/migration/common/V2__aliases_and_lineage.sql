-- Aliases (NAME@ALIAS -> version) with every move kept, data snapshots for replays, and the run
-- columns that lineage and "already done" queries need. Shared by SQLite and PostgreSQL.

-- Orchestrators from before Flyway read only this table: version 2 makes them refuse this
-- schema instead of writing into it. Later migrations need not touch it again.
INSERT INTO schema_version (version) VALUES (2);

-- A hash of the run's identity-relevant config, computed by the caller.
ALTER TABLE runs ADD COLUMN config_key VARCHAR(128);

-- The id of the run this one replays.
ALTER TABLE runs ADD COLUMN replay_of VARCHAR(100);

CREATE INDEX runs_by_model_snapshot ON runs (model_snapshot_id);

CREATE INDEX runs_by_output ON runs (output_path);

CREATE INDEX runs_by_identity ON runs (kind, model_snapshot_id, data_snapshot_id, config_key);

CREATE TABLE model_aliases (
  name VARCHAR(200) NOT NULL,
  alias VARCHAR(64) NOT NULL,
  version INTEGER NOT NULL,
  updated_at VARCHAR(40) NOT NULL,
  PRIMARY KEY (name, alias),
  FOREIGN KEY (name, version) REFERENCES model_versions (name, version));

CREATE INDEX model_aliases_by_version ON model_aliases (name, version);

-- Every alias move of a model, numbered 1, 2, 3, ... per model name. Writers insert
-- MAX(seq) + 1 in the transaction that moves the alias, so two concurrent movers of one model
-- collide on the primary key instead of both succeeding on a stale view.
CREATE TABLE alias_moves (
  name VARCHAR(200) NOT NULL,
  seq INTEGER NOT NULL,
  alias VARCHAR(64) NOT NULL,
  from_version INTEGER,
  to_version INTEGER,
  actor VARCHAR(200) NOT NULL,
  reason TEXT,
  moved_at VARCHAR(40) NOT NULL,
  details_json TEXT,
  PRIMARY KEY (name, seq));

CREATE INDEX alias_moves_by_alias ON alias_moves (name, alias, seq);

-- What exactly a run read: the data files with sizes and checksums, as JSON.
CREATE TABLE data_snapshots (
  id VARCHAR(100) NOT NULL PRIMARY KEY,
  root TEXT NOT NULL,
  files_json TEXT NOT NULL,
  created_at VARCHAR(40) NOT NULL);
