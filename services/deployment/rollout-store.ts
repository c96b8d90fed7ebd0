/**
 * The deployment service's SQL for rollouts and their steps (migrations/001_topology.sql).
 * One running rollout at a time is the database's rule (a partial unique index), so two operators
 * starting one at once get one rollout and a 409.
 */
import type { Row, SqlExecutor } from "../../runtime/storage/database.ts";
import type { Rollout, RolloutState, RolloutStep, StepPhase } from "./deployment.contract.ts";

interface DbRolloutRow extends Row {
	id: string;
	service: string;
	nodes: unknown;
	state: RolloutState;
	runner: string;
	started_by: string;
	reason: string;
	started_at: Date | string;
	finished_at: Date | string | null;
	report: string | null;
}

interface DbStepRow extends Row {
	rollout_id: string;
	at: Date | string;
	node: string | null;
	phase: StepPhase;
	detail: string;
}

const COLUMNS = "id, service, nodes, state, runner, started_by, reason, started_at, finished_at, report";
const UNIQUE_VIOLATION = "23505";

function nodesOf(value: unknown): string[] {
	const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
	return Array.isArray(parsed) ? parsed.filter((n): n is string => typeof n === "string") : [];
}

function stepOf(row: DbStepRow): RolloutStep {
	return { at: new Date(row.at).toISOString(), node: row.node, phase: row.phase, detail: row.detail };
}

function rolloutOf(row: DbRolloutRow, steps: RolloutStep[]): Rollout {
	return {
		id: row.id,
		service: row.service,
		nodes: nodesOf(row.nodes),
		state: row.state,
		startedBy: row.started_by,
		reason: row.reason,
		startedAt: new Date(row.started_at).toISOString(),
		finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
		report: row.report,
		steps
	};
}

export interface NewRollout {
	id: string;
	service: string;
	nodes: string[];
	runner: string;
	startedBy: string;
	reason: string;
	at: Date;
}

/** Undefined when another rollout is running. */
export async function insertRollout(db: SqlExecutor, r: NewRollout): Promise<Rollout | undefined> {
	try {
		const { rows } = await db.query<DbRolloutRow>(
			`INSERT INTO deployment.rollouts (id, service, nodes, state, runner, started_by, reason, started_at)
			 VALUES ($1, $2, $3::jsonb, 'running', $4, $5, $6, $7) RETURNING ${COLUMNS}`,
			[r.id, r.service, JSON.stringify(r.nodes), r.runner, r.startedBy, r.reason, r.at]
		);
		return rows[0] ? rolloutOf(rows[0], []) : undefined;
	} catch (err) {
		if ((err as { code?: unknown }).code === UNIQUE_VIOLATION) return undefined;
		throw err;
	}
}

/** The running rollout, with the node running it. */
export async function runningRollout(db: SqlExecutor): Promise<(Rollout & { runner: string }) | undefined> {
	const { rows } = await db.query<DbRolloutRow>(`SELECT ${COLUMNS} FROM deployment.rollouts WHERE state = 'running'`);
	return rows[0] ? { ...rolloutOf(rows[0], await stepsOf(db, rows[0].id)), runner: rows[0].runner } : undefined;
}

export async function appendStep(db: SqlExecutor, rolloutId: string, step: RolloutStep): Promise<void> {
	await db.query("INSERT INTO deployment.rollout_steps (rollout_id, at, node, phase, detail) VALUES ($1, $2, $3, $4, $5)", [rolloutId, step.at, step.node, step.phase, step.detail]);
}

export async function finishRollout(db: SqlExecutor, id: string, state: Exclude<RolloutState, "running">, report: string, at: Date): Promise<void> {
	await db.query("UPDATE deployment.rollouts SET state = $2, report = $3, finished_at = $4 WHERE id = $1 AND state = 'running'", [id, state, report, at]);
}

async function stepsOf(db: SqlExecutor, id: string): Promise<RolloutStep[]> {
	const { rows } = await db.query<DbStepRow>("SELECT rollout_id, at, node, phase, detail FROM deployment.rollout_steps WHERE rollout_id = $1 ORDER BY id", [id]);
	return rows.map(stepOf);
}

export async function getRollout(db: SqlExecutor, id: string): Promise<Rollout | undefined> {
	const { rows } = await db.query<DbRolloutRow>(`SELECT ${COLUMNS} FROM deployment.rollouts WHERE id = $1`, [id]);
	return rows[0] ? rolloutOf(rows[0], await stepsOf(db, id)) : undefined;
}

export async function listRollouts(db: SqlExecutor, limit: number, offset: number): Promise<{ rollouts: Rollout[]; total: number }> {
	const [{ rows }, count] = await Promise.all([
		db.query<DbRolloutRow>(`SELECT ${COLUMNS} FROM deployment.rollouts ORDER BY started_at DESC, id DESC LIMIT $1 OFFSET $2`, [limit, offset]),
		db.query<{ total: string | number }>("SELECT count(*) AS total FROM deployment.rollouts")
	]);
	const rollouts = await Promise.all(rows.map(async (row) => rolloutOf(row, await stepsOf(db, row.id))));
	return { rollouts, total: Number(count.rows[0]?.total ?? 0) };
}
