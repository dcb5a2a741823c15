-- Version 3: what a run measured (rows/s, tokens/s, batch fill, time waiting for input,
-- time in the model, ...), as one JSON object per run.

CREATE TABLE run_metrics (
  run_id VARCHAR(100) NOT NULL PRIMARY KEY,
  metrics_json TEXT NOT NULL);
