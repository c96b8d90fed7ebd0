-- A data-quality issue is one row per (source, record, reason): a rerun that finds the same problem
-- in the same record again moves its last-seen time and run instead of adding a row, so the admin
-- list shows what is wrong now, not how often the ETL has looked. `run_id` stays the first run that
-- found it; `last_run_id` the latest.
ALTER TABLE data_quality_issues ADD COLUMN last_seen_at timestamptz;
ALTER TABLE data_quality_issues ADD COLUMN last_run_id text REFERENCES runs (id);
ALTER TABLE data_quality_issues ADD COLUMN times_seen integer NOT NULL DEFAULT 1;

-- Rows recorded before this migration: the oldest of each identity stays and absorbs the others.
WITH identity AS (
	SELECT id, first_value(id) OVER w AS keep, count(*) OVER (PARTITION BY source, coalesce(record_key, ''), reason) AS n,
		last_value(run_id) OVER w AS last_run, max(created_at) OVER (PARTITION BY source, coalesce(record_key, ''), reason) AS last_at
	FROM data_quality_issues
	WINDOW w AS (PARTITION BY source, coalesce(record_key, ''), reason ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
UPDATE data_quality_issues d SET last_seen_at = i.last_at, last_run_id = i.last_run, times_seen = i.n
FROM identity i WHERE d.id = i.id AND i.id = i.keep;
DELETE FROM data_quality_issues WHERE last_seen_at IS NULL;

ALTER TABLE data_quality_issues ALTER COLUMN last_seen_at SET NOT NULL;
ALTER TABLE data_quality_issues ALTER COLUMN last_seen_at SET DEFAULT now();
ALTER TABLE data_quality_issues ALTER COLUMN last_run_id SET NOT NULL;
CREATE UNIQUE INDEX data_quality_issues_identity ON data_quality_issues (source, (coalesce(record_key, '')), reason);
CREATE INDEX data_quality_issues_last_run ON data_quality_issues (last_run_id, id);
