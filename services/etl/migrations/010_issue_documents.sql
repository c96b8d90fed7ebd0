-- The raw document an issue was found in (the document store's key and content hash), so the admin
-- can show what the source sent. NULL for issues not tied to one document (a next_url loop, an
-- unreadable file) and for those recorded before this migration until a run finds them again.
ALTER TABLE data_quality_issues ADD COLUMN document_key text;
ALTER TABLE data_quality_issues ADD COLUMN document_hash text;
-- The admin's list: a source's open issues, newest first.
CREATE INDEX data_quality_issues_source_seen ON data_quality_issues (source, last_seen_at DESC, id DESC);
