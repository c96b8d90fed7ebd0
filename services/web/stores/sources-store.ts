/**
 * Freshness and provenance per source (issue 11, "Sources"): the last successful run and its age,
 * the rows each source holds now, and its open data-quality issues (those its latest finished run
 * found, first or again: pipeline/runs.ts keeps one row per problem and moves its last run).
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { SOURCE_NAMES } from "../../etl/etl.contract.ts";
import { isoTimestamp } from "./sql.ts";

export type RunBrief = {
	id: string;
	status: string;
	started_at: string | null;
	finished_at: string | null;
	fetched: number;
	inserted: number;
	updated: number;
	unchanged: number;
	invalid: number;
	error: string | null;
}

export type SourceStatus = {
	source: string;
	last_success: RunBrief | null;
	/** Seconds since the last successful run finished, at the time of the answer. */
	age_seconds: number | null;
	last_run: RunBrief | null;
	/** Rows this source last wrote, per table (ballots counted one per member per vote). */
	records: Record<string, number>;
	open_issues: { count: number; latest: { record_key: string | null; reason: string; times_seen: number; last_seen_at: string }[] };
}

const RUN_JSON = `json_build_object('id', r.id, 'status', r.status, 'started_at', ${isoTimestamp("r.started_at")}, 'finished_at', ${isoTimestamp("r.finished_at")},
	'fetched', r.fetched, 'inserted', r.inserted, 'updated', r.updated, 'unchanged', r.unchanged, 'invalid', r.invalid, 'error', r.error)`;

const TABLES = ["sessions", "provinces", "parties", "ridings", "politicians", "memberships", "bills", "bill_stages", "votes", "party_votes"] as const;

export async function sourceStatuses(db: SqlExecutor): Promise<SourceStatus[]> {
	const { rows } = await db.query<Omit<SourceStatus, "records"> & { records: Record<string, number> | null }>(
		`WITH names AS (SELECT unnest($1::text[]) AS source),
		counts AS (
			${TABLES.map((t) => `SELECT source, '${t}' AS tbl, count(*)::int AS n FROM etl.${t} GROUP BY source`).join("\nUNION ALL ")}
			UNION ALL SELECT source, 'ballots', sum(cardinality(ballots))::int FROM etl.vote_ballots GROUP BY source
		)
		SELECT n.source,
			(SELECT ${RUN_JSON} FROM etl.runs r WHERE r.source = n.source AND r.status = 'succeeded' ORDER BY r.finished_at DESC LIMIT 1) AS last_success,
			(SELECT floor(extract(epoch FROM now() - max(r.finished_at)))::int FROM etl.runs r WHERE r.source = n.source AND r.status = 'succeeded') AS age_seconds,
			(SELECT ${RUN_JSON} FROM etl.runs r WHERE r.source = n.source ORDER BY r.created_at DESC LIMIT 1) AS last_run,
			(SELECT json_object_agg(c.tbl, c.n ORDER BY c.tbl) FROM counts c WHERE c.source = n.source) AS records,
			(WITH latest AS (SELECT r.id FROM etl.runs r WHERE r.source = n.source AND r.finished_at IS NOT NULL ORDER BY r.finished_at DESC LIMIT 1)
			 SELECT json_build_object('count', count(*)::int, 'latest', coalesce(json_agg(json_build_object(
					'record_key', i.record_key, 'reason', i.reason, 'times_seen', i.times_seen, 'last_seen_at', ${isoTimestamp("i.last_seen_at")})
				ORDER BY i.last_seen_at DESC, i.id DESC) FILTER (WHERE i.rank <= 5), '[]'::json))
			 FROM (SELECT d.*, row_number() OVER (ORDER BY d.last_seen_at DESC, d.id DESC) AS rank
				FROM etl.data_quality_issues d JOIN latest ON d.last_run_id = latest.id) i) AS open_issues
		FROM names n ORDER BY n.source`,
		[[...SOURCE_NAMES]]
	);
	return rows.map((r) => ({ ...r, records: r.records ?? {} }));
}
