/**
 * Runs, their checkpoints and the per-source lease, in schema `etl` (migrations/002_runs.sql).
 *
 * Why a lease row and not a session advisory lock: the pg pool hands each query any connection,
 * and PGlite has one connection for everything in the process, so "the session that holds the
 * lock" is not a thing the service controls on either backend. A row with an expiry behaves the
 * same on both, shows who holds it and since when, and also frees a source whose holder is alive
 * but stuck (partitioned, paused), which a session lock held by a live TCP connection never does.
 * A holder known to be gone frees it at once (docs/decisions/0023-lease-takeover.md).
 */
import type { Database, SqlExecutor } from "../../../runtime/storage/database.ts";
import { uuid7 } from "../../../runtime/storage/uuid7.ts";
import { type LeaseHolder, localHolderGone } from "./lease-holder.ts";
import type { SourceName } from "../records/raw-document.ts";

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunCounts {
	fetched: number;
	inserted: number;
	updated: number;
	unchanged: number;
	invalid: number;
}

export interface RunParams {
	url?: string;
	file?: string;
}

export interface RunProgress {
	/** Absent until the run has loaded something (a queued run's progress is `{}`). */
	documents?: number;
	pages?: number;
	requests?: number;
	url?: string;
}

export interface Run extends RunCounts {
	id: string;
	source: SourceName;
	status: RunStatus;
	params: RunParams;
	nodeID: string;
	resumedFrom: string | null;
	scheduledFor: string | null;
	progress: RunProgress;
	error: string | null;
	createdAt: string;
	startedAt: string | null;
	finishedAt: string | null;
}

/** Where a run stopped: documents loaded, and for openparliament over HTTP the page to start again from. */
export interface CheckpointPosition {
	documents: number;
	resource?: string;
	pageUrl?: string;
	/** Documents of that page already loaded. */
	skipInPage?: number;
}

export interface Checkpoint {
	runId: string;
	position: CheckpointPosition;
	counts: RunCounts;
}

interface RunRow extends Record<string, unknown> {
	id: string;
	source: SourceName;
	status: RunStatus;
	params: RunParams;
	node_id: string;
	resumed_from: string | null;
	scheduled_for: Date | string | null;
	fetched: number;
	inserted: number;
	updated: number;
	unchanged: number;
	invalid: number;
	progress: RunProgress;
	error: string | null;
	created_at: Date | string;
	started_at: Date | string | null;
	finished_at: Date | string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

export function toRun(row: RunRow): Run {
	return {
		id: row.id,
		source: row.source,
		status: row.status,
		params: row.params,
		nodeID: row.node_id,
		resumedFrom: row.resumed_from,
		scheduledFor: iso(row.scheduled_for),
		fetched: Number(row.fetched),
		inserted: Number(row.inserted),
		updated: Number(row.updated),
		unchanged: Number(row.unchanged),
		invalid: Number(row.invalid),
		progress: row.progress,
		error: row.error,
		createdAt: iso(row.created_at) ?? "",
		startedAt: iso(row.started_at),
		finishedAt: iso(row.finished_at)
	};
}

export const ZERO_COUNTS: RunCounts = { fetched: 0, inserted: 0, updated: 0, unchanged: 0, invalid: 0 };

/** Who holds a busy source's lease, as the refusal tells it (times measured by the database's clock). */
export interface LeaseInfo {
	runId: string;
	nodeID: string;
	pid: number | null;
	hostname: string | null;
	acquiredAt: string;
	renewedAt: string;
	expiresAt: string;
	/** How long ago it was renewed, and how long until it expires unless renewed again. */
	renewedAgoMs: number;
	expiresInMs: number;
}

export type StartOutcome =
	| { started: true; run: Run; resume?: { from: Run; checkpoint: Checkpoint | undefined } }
	| { started: false; lease: LeaseInfo }
	| { started: false; scheduledDuplicate: true };

function sameParams(a: RunParams, b: RunParams): boolean {
	return (a.url ?? null) === (b.url ?? null) && (a.file ?? null) === (b.file ?? null);
}

interface LeaseRow extends Record<string, unknown> {
	run_id: string;
	holder: string;
	holder_pid: number | null;
	holder_host: string | null;
	holder_pid_namespace: string | null;
	acquired_at: Date | string;
	renewed_at: Date | string;
	expires_at: Date | string;
	holder_gone_reason: string | null;
	gone: boolean;
	expired: boolean;
	renewed_ago_ms: number | string;
	expires_in_ms: number | string;
}

const LEASE_COLUMNS = `run_id, holder, holder_pid, holder_host, holder_pid_namespace, acquired_at, renewed_at, expires_at, holder_gone_reason,
	holder_gone_at IS NOT NULL AS gone, expires_at < now() AS expired,
	(extract(epoch FROM now() - renewed_at) * 1000)::float8 AS renewed_ago_ms, (extract(epoch FROM expires_at - now()) * 1000)::float8 AS expires_in_ms`;

function leaseInfo(row: LeaseRow): LeaseInfo {
	return {
		runId: row.run_id,
		nodeID: row.holder,
		pid: row.holder_pid === null ? null : Number(row.holder_pid),
		hostname: row.holder_host,
		acquiredAt: iso(row.acquired_at) ?? "",
		renewedAt: iso(row.renewed_at) ?? "",
		expiresAt: iso(row.expires_at) ?? "",
		renewedAgoMs: Math.max(0, Math.round(Number(row.renewed_ago_ms))),
		expiresInMs: Math.max(0, Math.round(Number(row.expires_in_ms)))
	};
}

/**
 * Why a lease may be taken over now, or undefined while its holder may still be at work: it
 * expired (the holder stopped renewing), a node of the cluster saw the holder's node leave, or the
 * holder was a process of this machine that no longer exists (pipeline/lease-holder.ts).
 */
function takeoverReason(row: LeaseRow, self: LeaseHolder): string | undefined {
	if (row.expired) return `node ${row.holder} stopped renewing its lease`;
	if (row.gone) return `node ${row.holder} left the cluster (${row.holder_gone_reason ?? "seen gone"})`;
	const local = localHolderGone({ pid: row.holder_pid === null ? null : Number(row.holder_pid), hostname: row.holder_host, pidNamespace: row.holder_pid_namespace }, self);
	return local === undefined ? undefined : `node ${row.holder}: ${local}`;
}

/**
 * Takes the source's lease and records the run as queued, in one transaction: two nodes asked at
 * once both reach the INSERT, PostgreSQL lets one win and the other sees a live lease. A lease
 * whose holder is gone (expired, seen leaving, or a dead local process) is taken over: its run is
 * marked failed (interrupted) and, when the new run asks for the same thing, handed over with its
 * checkpoint to resume from.
 */
export async function startRun(db: Database, request: { source: SourceName; params: RunParams; holder: LeaseHolder; leaseTtlMs: number; scheduledFor?: Date }): Promise<StartOutcome> {
	const id = uuid7();
	const { holder } = request;
	return db.transaction(async (tx): Promise<StartOutcome> => {
		const previous = (await tx.query<LeaseRow>(`SELECT ${LEASE_COLUMNS} FROM etl.leases WHERE source = $1 FOR UPDATE`, [request.source])).rows[0];
		const interruption = previous ? takeoverReason(previous, holder) : undefined;
		if (previous && interruption === undefined) return { started: false as const, lease: leaseInfo(previous) };
		// The row is locked and judged: the update applies only if it is still the row judged (a
		// lease inserted meanwhile by another node, where there was none, makes this a refusal).
		const { rows } = await tx.query<{ run_id: string }>(
			`INSERT INTO etl.leases AS l (source, run_id, holder, holder_pid, holder_host, holder_pid_namespace, acquired_at, renewed_at, expires_at, holder_gone_at, holder_gone_reason)
			 VALUES ($1, $2, $3, $4, $5, $6, now(), now(), now() + make_interval(secs => $7), NULL, NULL)
			 ON CONFLICT (source) DO UPDATE SET run_id = excluded.run_id, holder = excluded.holder, holder_pid = excluded.holder_pid, holder_host = excluded.holder_host,
			   holder_pid_namespace = excluded.holder_pid_namespace, acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at,
			   holder_gone_at = NULL, holder_gone_reason = NULL
			 WHERE l.run_id = $8
			 RETURNING run_id`,
			[request.source, id, holder.nodeID, holder.pid, holder.hostname, holder.pidNamespace, request.leaseTtlMs / 1000, previous?.run_id ?? null]
		);
		if (rows.length === 0) {
			const current = (await tx.query<LeaseRow>(`SELECT ${LEASE_COLUMNS} FROM etl.leases WHERE source = $1`, [request.source])).rows[0];
			if (current) return { started: false as const, lease: leaseInfo(current) };
			throw new Error(`The ${request.source} lease could be neither taken nor read`);
		}
		if (request.scheduledFor) {
			const dup = await tx.query("SELECT 1 FROM etl.runs WHERE source = $1 AND scheduled_for = $2", [request.source, request.scheduledFor]);
			if (dup.rows.length > 0) throw new ScheduledDuplicate();
		}
		let resume: { from: Run; checkpoint: Checkpoint | undefined } | undefined;
		if (previous && interruption !== undefined) {
			const interrupted = await tx.query<RunRow>(
				`UPDATE etl.runs SET status = 'failed', finished_at = now(), error = $2
				 WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
				[previous.run_id, `interrupted: ${interruption}`]
			);
			const row = interrupted.rows[0];
			if (row && sameParams(row.params, request.params)) {
				const cp = await tx.query<{ position: CheckpointPosition; counts: RunCounts }>("SELECT position, counts FROM etl.run_checkpoints WHERE run_id = $1", [row.id]);
				const found = cp.rows[0];
				resume = { from: toRun(row), checkpoint: found ? { runId: row.id, position: found.position, counts: found.counts } : undefined };
			}
		}
		const inserted = await tx.query<RunRow>(
			`INSERT INTO etl.runs (id, source, status, params, node_id, resumed_from, scheduled_for) VALUES ($1, $2, 'queued', $3::jsonb, $4, $5, $6) RETURNING *`,
			[id, request.source, JSON.stringify(request.params), holder.nodeID, resume?.from.id ?? null, request.scheduledFor ?? null]
		);
		const run = toRun(inserted.rows[0] as RunRow);
		return resume ? { started: true as const, run, resume } : { started: true as const, run };
	}).catch((err: unknown) => {
		if (err instanceof ScheduledDuplicate) return { started: false, scheduledDuplicate: true } as const;
		throw err;
	});
}

/**
 * Marks the leases a departed node holds as free to take over (a node saw it leave the cluster).
 * Returns the sources freed. The holder's next renewal, should it be alive after all, clears the mark.
 */
export async function markHolderGone(db: Database, nodeID: string, reason: string): Promise<string[]> {
	const { rows } = await db.query<{ source: string }>(
		"UPDATE etl.leases SET holder_gone_at = now(), holder_gone_reason = $2 WHERE holder = $1 AND holder_gone_at IS NULL RETURNING source",
		[nodeID, reason]
	);
	return rows.map((r) => r.source);
}

/** The lease of a source, if one is held. */
export async function getLease(db: Database, source: string): Promise<LeaseInfo | undefined> {
	const row = (await db.query<LeaseRow>(`SELECT ${LEASE_COLUMNS} FROM etl.leases WHERE source = $1`, [source])).rows[0];
	return row ? leaseInfo(row) : undefined;
}

class ScheduledDuplicate extends Error {}

/** Extends the lease; false when it is no longer ours (it expired and another run took it). */
export async function renewLease(db: Database, source: string, runId: string, ttlMs: number): Promise<boolean> {
	const { rows } = await db.query(
		"UPDATE etl.leases SET expires_at = now() + make_interval(secs => $3), renewed_at = now(), holder_gone_at = NULL, holder_gone_reason = NULL WHERE source = $1 AND run_id = $2 RETURNING 1",
		[source, runId, ttlMs / 1000]
	);
	return rows.length > 0;
}

export async function releaseLease(db: Database, source: string, runId: string): Promise<void> {
	await db.query("DELETE FROM etl.leases WHERE source = $1 AND run_id = $2", [source, runId]);
}

/** Hands the source over at once: the run stays `running` and the next run resumes it. */
export async function expireLease(db: Database, source: string, runId: string): Promise<void> {
	await db.query("UPDATE etl.leases SET expires_at = now() - interval '1 second' WHERE source = $1 AND run_id = $2", [source, runId]);
}

export async function markRunning(db: Database, runId: string, counts: RunCounts): Promise<void> {
	await db.query(
		"UPDATE etl.runs SET status = 'running', started_at = now(), fetched = $2, inserted = $3, updated = $4, unchanged = $5, invalid = $6 WHERE id = $1",
		[runId, counts.fetched, counts.inserted, counts.updated, counts.unchanged, counts.invalid]
	);
}

export async function saveCheckpoint(tx: SqlExecutor, run: { id: string; source: string }, position: CheckpointPosition, counts: RunCounts, progress: RunProgress): Promise<void> {
	await tx.query(
		`INSERT INTO etl.run_checkpoints (run_id, source, documents, position, counts, at) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, now())
		 ON CONFLICT (run_id) DO UPDATE SET documents = excluded.documents, position = excluded.position, counts = excluded.counts, at = excluded.at`,
		[run.id, run.source, position.documents, JSON.stringify(position), JSON.stringify(counts)]
	);
	await tx.query("UPDATE etl.runs SET fetched = $2, inserted = $3, updated = $4, unchanged = $5, invalid = $6, progress = $7::jsonb WHERE id = $1", [
		run.id,
		counts.fetched,
		counts.inserted,
		counts.updated,
		counts.unchanged,
		counts.invalid,
		JSON.stringify(progress)
	]);
}

export async function finishRun(db: Database, runId: string, status: Exclude<RunStatus, "queued" | "running">, counts: RunCounts, progress: RunProgress, error: string | null): Promise<Run | undefined> {
	const { rows } = await db.query<RunRow>(
		`UPDATE etl.runs SET status = $2, finished_at = now(), error = $3, fetched = $4, inserted = $5, updated = $6, unchanged = $7, invalid = $8, progress = $9::jsonb
		 WHERE id = $1 RETURNING *`,
		[runId, status, error, counts.fetched, counts.inserted, counts.updated, counts.unchanged, counts.invalid, JSON.stringify(progress)]
	);
	return rows[0] ? toRun(rows[0]) : undefined;
}

export async function getRun(db: Database, id: string): Promise<Run | undefined> {
	const { rows } = await db.query<RunRow>("SELECT * FROM etl.runs WHERE id = $1", [id]);
	return rows[0] ? toRun(rows[0]) : undefined;
}

export async function listRuns(db: Database, filter: { source?: string; status?: string; limit: number; offset: number }): Promise<Run[]> {
	const { rows } = await db.query<RunRow>(
		`SELECT * FROM etl.runs WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR status = $2)
		 ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
		[filter.source ?? null, filter.status ?? null, filter.limit, filter.offset]
	);
	return rows.map(toRun);
}

export async function requestCancel(db: Database, id: string): Promise<Run | undefined> {
	const { rows } = await db.query<RunRow>("UPDATE etl.runs SET cancel_requested = true WHERE id = $1 AND status IN ('queued', 'running') RETURNING *", [id]);
	return rows[0] ? toRun(rows[0]) : undefined;
}

export async function cancelRequested(db: Database, id: string): Promise<boolean> {
	const { rows } = await db.query<{ cancel_requested: boolean }>("SELECT cancel_requested FROM etl.runs WHERE id = $1", [id]);
	return rows[0]?.cancel_requested === true;
}

export interface RunIssue {
	id: number;
	source: string;
	recordKey: string | null;
	reason: string;
	/** When a run first found it, and the run that did. */
	createdAt: string;
	firstRunId: string;
	lastSeenAt: string;
	timesSeen: number;
}

/** The issues a run found: those it recorded first and those it found again. */
export async function runIssues(db: Database, runId: string, limit: number): Promise<RunIssue[]> {
	const { rows } = await db.query<{
		id: number;
		source: string;
		record_key: string | null;
		reason: string;
		created_at: Date | string;
		run_id: string;
		last_seen_at: Date | string;
		times_seen: number;
	}>(
		`SELECT id, source, record_key, reason, created_at, run_id, last_seen_at, times_seen FROM etl.data_quality_issues
		 WHERE last_run_id = $1 OR run_id = $1 ORDER BY id LIMIT $2`,
		[runId, limit]
	);
	return rows.map((r) => ({
		id: Number(r.id),
		source: r.source,
		recordKey: r.record_key,
		reason: r.reason,
		createdAt: iso(r.created_at) ?? "",
		firstRunId: r.run_id,
		lastSeenAt: iso(r.last_seen_at) ?? "",
		timesSeen: Number(r.times_seen)
	}));
}

/** An issue as the admin lists it: where it was found, and whether the source's latest run still finds it. */
export interface ListedIssue extends RunIssue {
	lastRunId: string;
	/** The latest finished run of its source found it again: not fixed at the source yet. */
	open: boolean;
	/** The raw input the issue is about, as the connector read it. */
	raw: unknown;
	/** The raw document it was found in (the document store's key and content hash); null when not tied to one. */
	document: { key: string; hash: string | null } | null;
}

export interface IssueFilter {
	source?: string;
	/** The issues this run found (first or again), open or not; without it, only open issues. */
	runId?: string;
	limit: number;
	offset: number;
}

/** The latest finished run of each source: an issue it found again is still open. */
const OPEN_FILTER = `
	WITH latest AS (SELECT DISTINCT ON (source) source, id FROM etl.runs WHERE finished_at IS NOT NULL ORDER BY source, finished_at DESC, id DESC)
	SELECT %COLUMNS% FROM etl.data_quality_issues d LEFT JOIN latest l ON l.source = d.source AND l.id = d.last_run_id
	WHERE ($1::text IS NULL OR d.source = $1)
	  AND (CASE WHEN $2::text IS NULL THEN l.id IS NOT NULL ELSE (d.run_id = $2 OR d.last_run_id = $2) END)`;

/** Data-quality issues, newest sighting first, with the total for pagination. */
export async function listIssues(db: Database, filter: IssueFilter): Promise<{ issues: ListedIssue[]; total: number }> {
	const params = [filter.source ?? null, filter.runId ?? null];
	const { rows } = await db.query<{
		id: number;
		source: string;
		record_key: string | null;
		reason: string;
		raw: unknown;
		created_at: Date | string;
		run_id: string;
		last_run_id: string;
		last_seen_at: Date | string;
		times_seen: number;
		open: boolean;
		document_key: string | null;
		document_hash: string | null;
	}>(
		`${OPEN_FILTER.replace("%COLUMNS%", "d.id, d.source, d.record_key, d.reason, d.raw, d.created_at, d.run_id, d.last_run_id, d.last_seen_at, d.times_seen, l.id IS NOT NULL AS open, d.document_key, d.document_hash")}
		 ORDER BY d.last_seen_at DESC, d.id DESC LIMIT $3 OFFSET $4`,
		[...params, filter.limit, filter.offset]
	);
	const counted = await db.query<{ n: number }>(OPEN_FILTER.replace("%COLUMNS%", "count(*)::int AS n"), params);
	return {
		total: Number(counted.rows[0]?.n ?? 0),
		issues: rows.map((r) => ({
			id: Number(r.id),
			source: r.source,
			recordKey: r.record_key,
			reason: r.reason,
			createdAt: iso(r.created_at) ?? "",
			firstRunId: r.run_id,
			lastRunId: r.last_run_id,
			lastSeenAt: iso(r.last_seen_at) ?? "",
			timesSeen: Number(r.times_seen),
			open: r.open,
			raw: r.raw,
			document: r.document_key === null ? null : { key: r.document_key, hash: r.document_hash }
		}))
	};
}

export async function getCheckpoint(db: Database, runId: string): Promise<Checkpoint | undefined> {
	const { rows } = await db.query<{ position: CheckpointPosition; counts: RunCounts }>("SELECT position, counts FROM etl.run_checkpoints WHERE run_id = $1", [runId]);
	const row = rows[0];
	return row ? { runId, position: row.position, counts: row.counts } : undefined;
}

/** The cancelled state for a run no node is running any more (its holder is gone). */
export async function cancelOrphan(db: Database, id: string): Promise<Run | undefined> {
	const { rows } = await db.query<RunRow>(
		`UPDATE etl.runs r SET status = 'cancelled', finished_at = now(), error = 'cancelled while no node was running it'
		 WHERE r.id = $1 AND r.status IN ('queued', 'running')
		   AND NOT EXISTS (SELECT 1 FROM etl.leases l WHERE l.run_id = r.id AND l.expires_at >= now() AND l.holder_gone_at IS NULL)
		 RETURNING *`,
		[id]
	);
	return rows[0] ? toRun(rows[0]) : undefined;
}

/** Per source: its latest finished run and its latest successful one (what monitoring's alert rules read). */
export interface SourceRunStatus {
	source: string;
	lastFinished: { id: string; status: RunStatus; finishedAt: string; error: string | null } | null;
	lastSucceededAt: string | null;
	/** When the source was first run at all, so a source that never succeeded can still be stale. */
	firstRunAt: string | null;
}

export async function sourceRunStatuses(db: Database): Promise<SourceRunStatus[]> {
	const { rows } = await db.query<{
		source: string;
		id: string | null;
		status: RunStatus | null;
		finished_at: Date | string | null;
		error: string | null;
		last_succeeded_at: Date | string | null;
		first_run_at: Date | string | null;
	}>(
		`SELECT s.source, f.id, f.status, f.finished_at, f.error, s.last_succeeded_at, s.first_run_at
		 FROM (SELECT source, max(finished_at) FILTER (WHERE status = 'succeeded') AS last_succeeded_at, min(created_at) AS first_run_at
		       FROM etl.runs GROUP BY source) s
		 LEFT JOIN LATERAL (SELECT id, status, finished_at, error FROM etl.runs r
		       WHERE r.source = s.source AND r.finished_at IS NOT NULL ORDER BY r.finished_at DESC, r.id DESC LIMIT 1) f ON true
		 ORDER BY s.source`
	);
	return rows.map((r) => ({
		source: r.source,
		lastFinished: r.id && r.status && r.finished_at ? { id: r.id, status: r.status, finishedAt: iso(r.finished_at) ?? "", error: r.error } : null,
		lastSucceededAt: iso(r.last_succeeded_at),
		firstRunAt: iso(r.first_run_at)
	}));
}
