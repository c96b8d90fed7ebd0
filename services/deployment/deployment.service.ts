/**
 * `deployment`: what should run against what runs (issue 15, docs/decisions/0032-deployment-topology-and-drift.md,
 * 0033-rolling-replacement.md).
 *
 * - The wanted topology (replicas and version per service) is versioned in schema `deployment`
 *   with who, when and why; each new version is broadcast as `deployment.topology.changed`, which
 *   the health service follows for its wanted replica counts.
 * - Drift is the topology against `health.cluster`: missing replicas, extra replicas, nodes on
 *   another version. The monitoring service's `deployment_drift` rule reads it, so drift raises an
 *   alert and resolves it through the one alert lifecycle there is.
 * - A rollout replaces a service's nodes one at a time (rollout-runner.ts); one at a time across
 *   the cluster, each step stored and broadcast as `deployment.rollout.step`.
 *
 * Routes (operators and admins): `GET|PUT /api/v1/deployment/topology`, `GET .../topology/history`,
 * `GET .../drift`, `POST|GET .../rollouts`, `GET .../rollouts/{id}`.
 */
import { listPage } from "../../runtime/list-page.ts";
import { randomUUID } from "node:crypto";
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { DbMixin, type DbMixinOptions, type DbService } from "../../mixins/db.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { principalOf } from "../../access/principal.ts";
import { NoParams, type ParamsOf } from "../../runtime/validation/zod-params.ts";
import { type DriftReport, ROLLOUT_STEP_EVENT, type Rollout, type RolloutStep, type RolloutStepEvent, TOPOLOGY_CHANGED_EVENT, type Topology } from "./deployment.contract.ts";
import { HistoryParams, RolloutIdParams, SetTopologyParams, StartRolloutParams } from "./deployment.params.ts";
import { type LiveNode, computeDrift } from "./drift.ts";
import { RolloutRunner, type RolloutTiming, liveReplicas } from "./rollout-runner.ts";
import { appendStep, finishRollout, getRollout, insertRollout, listRollouts, runningRollout } from "./rollout-store.ts";
import { appendTopology, currentTopology, topologyHistory } from "./topology-store.ts";

export interface DeploymentSettings extends ServiceSettingSchema {
	pollMs?: number;
	callTimeoutMs?: number;
}

export type DeploymentServiceOptions = Pick<DbMixinOptions, "database" | "env"> & { settings?: Partial<DeploymentSettings> };

/** Nothing stored yet: no service is managed, so nothing drifts and health keeps its default of one replica. */
export const EMPTY_TOPOLOGY: Topology = { version: 0, services: {}, changedBy: "default", reason: "no topology stored yet", changedAt: null };

interface DeploymentState {
	/** The rollout this instance runs, if any. */
	active?: { rollout: Rollout; done: Promise<void>; abort: AbortController };
}

type DeploymentThis = Service<DeploymentSettings>;

const states = new WeakMap<Service<DeploymentSettings>, DeploymentState>();

function stateOf(service: DeploymentThis): DeploymentState {
	const state = states.get(service);
	if (!state) throw new Error("The deployment service was used before it was created");
	return state;
}

function dbOf(service: DeploymentThis): DbService {
	return service as unknown as DbService;
}

async function database(service: DeploymentThis): Promise<DbService["db"]> {
	await dbOf(service).dbReady();
	return dbOf(service).db;
}

/** Who did it: the signed-in user or key, or the console (`meta.actor` names a person when the REPL knows one). */
function actorOf(ctx: Context, nodeID: string): string {
	const principal = principalOf(ctx.meta);
	if (principal?.kind === "user") return `user:${principal.userId}`;
	if (principal?.kind === "api-key") return `key:${principal.keyId}`;
	const named = (ctx.meta as { actor?: unknown }).actor;
	return typeof named === "string" && named.length > 0 ? named.slice(0, 100) : `console@${ctx.nodeID ?? nodeID}`;
}

function conflict(message: string, type: string, data: Record<string, unknown>): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(message, 409, type, data);
}

function broadcast(service: DeploymentThis, event: string, payload: unknown): void {
	const failed = (err: unknown): void => service.logger.warn(`Could not announce ${event}: ${err instanceof Error ? err.message : String(err)}`);
	try {
		// Without NATS the transporter throws synchronously rather than rejecting.
		service.broker.broadcast(event, payload).catch(failed);
	} catch (err) {
		failed(err);
	}
}


async function topologyOf(service: DeploymentThis): Promise<Topology> {
	return (await currentTopology(await database(service))) ?? EMPTY_TOPOLOGY;
}

export function DeploymentService(options: DeploymentServiceOptions = {}): ServiceSchema<DeploymentSettings> {
	const dbOptions = { ...(options.database ? { database: options.database } : {}), ...(options.env ? { env: options.env } : {}) };
	return {
		name: "deployment",
		mixins: [DbMixin({ schema: "deployment", ...dbOptions }), HealthMixin()],
		settings: { rest: "/deployment", pollMs: 200, callTimeoutMs: 3_000, ...options.settings },

		actions: {
			topology: {
				visibility: "published",
				permissions: ["deployment:read"],
				rest: "GET /topology",
				params: NoParams,
				async handler(this: DeploymentThis): Promise<Topology> {
					return topologyOf(this);
				}
			},
			setTopology: {
				visibility: "published",
				permissions: ["deployment:write"],
				rest: "PUT /topology",
				params: SetTopologyParams,
				async handler(this: DeploymentThis, ctx: Context<ParamsOf<typeof SetTopologyParams>>): Promise<Topology> {
					const { services, reason, expectedVersion } = ctx.params;
					const stored = await appendTopology(await database(this), { services, reason, changedBy: actorOf(ctx, this.broker.nodeID), ...(expectedVersion !== undefined ? { expectedVersion } : {}) });
					if (!stored) {
						const current = await topologyOf(this);
						throw conflict(`The topology changed meanwhile: version ${current.version} is in force, not ${expectedVersion ?? "?"}`, "TOPOLOGY_CONFLICT", { version: current.version });
					}
					this.logger.info(`Topology version ${stored.version} by ${stored.changedBy}: ${reason}`);
					broadcast(this, TOPOLOGY_CHANGED_EVENT, stored);
					return stored;
				}
			},
			history: {
				visibility: "published",
				permissions: ["deployment:read"],
				rest: "GET /topology/history",
				params: HistoryParams,
				async handler(this: DeploymentThis, ctx: Context<ParamsOf<typeof HistoryParams>>) {
					const { limit, offset } = ctx.params;
					const { versions, total } = await topologyHistory(await database(this), limit, offset);
					return listPage("/api/v1/deployment/topology/history", { limit, offset }, versions, total);
				}
			},
			drift: {
				visibility: "published",
				permissions: ["deployment:read"],
				rest: "GET /drift",
				params: NoParams,
				async handler(this: DeploymentThis): Promise<DriftReport> {
					const db = await database(this);
					const topology = (await currentTopology(db)) ?? EMPTY_TOPOLOGY;
					if (Object.keys(topology.services).length === 0) return computeDrift(topology, [], new Set(), new Date());
					let cluster: { nodes: LiveNode[] };
					try {
						cluster = await this.broker.call<{ nodes: LiveNode[] }, Record<string, never>>("health.cluster", {}, { timeout: this.settings.callTimeoutMs ?? 3_000, retries: 0 });
					} catch (err) {
						throw new Errors.MoleculerError(`The live cluster is unknown: the health service did not answer (${err instanceof Error ? err.message : String(err)})`, 503, "HEALTH_UNAVAILABLE");
					}
					const running = await runningRollout(db);
					return computeDrift(topology, cluster.nodes, new Set(running ? [running.service] : []), new Date());
				}
			},
			rollout: {
				visibility: "published",
				permissions: ["deployment:write"],
				rest: "POST /rollouts",
				params: StartRolloutParams,
				async handler(this: DeploymentThis, ctx: Context<ParamsOf<typeof StartRolloutParams>>): Promise<Rollout> {
					const { service, reason, healthyWithinMs, leaveWithinMs } = ctx.params;
					const nodes = ctx.params.nodes ?? liveReplicas(this.broker, service);
					if (nodes.length === 0) throw new Errors.MoleculerClientError(`No live node offers ${service}`, 404, "SERVICE_NOT_RUNNING", { service });
					const db = await database(this);
					await abandonOrphans(this, db);
					const rollout = await insertRollout(db, { id: randomUUID(), service, nodes, runner: this.broker.nodeID, startedBy: actorOf(ctx, this.broker.nodeID), reason, at: new Date() });
					if (!rollout) {
						const running = await runningRollout(db);
						throw conflict(`Rollout ${running?.id ?? "?"} of ${running?.service ?? "?"} is running; one at a time`, "ROLLOUT_RUNNING", { id: running?.id ?? null });
					}
					startRun(this, rollout, { healthyWithinMs, leaveWithinMs, pollMs: this.settings.pollMs ?? 200, callTimeoutMs: this.settings.callTimeoutMs ?? 3_000 });
					return rollout;
				}
			},
			rollouts: {
				visibility: "published",
				permissions: ["deployment:read"],
				rest: "GET /rollouts",
				params: HistoryParams,
				async handler(this: DeploymentThis, ctx: Context<ParamsOf<typeof HistoryParams>>) {
					const { limit, offset } = ctx.params;
					const { rollouts, total } = await listRollouts(await database(this), limit, offset);
					return listPage("/api/v1/deployment/rollouts", { limit, offset }, rollouts, total);
				}
			},
			rolloutStatus: {
				visibility: "published",
				permissions: ["deployment:read"],
				rest: "GET /rollouts/:id",
				params: RolloutIdParams,
				async handler(this: DeploymentThis, ctx: Context<ParamsOf<typeof RolloutIdParams>>): Promise<Rollout> {
					const rollout = await getRollout(await database(this), ctx.params.id);
					if (!rollout) throw new Errors.MoleculerClientError(`No rollout ${ctx.params.id}`, 404, "ROLLOUT_NOT_FOUND", { id: ctx.params.id });
					return rollout;
				}
			}
		},

		created(this: DeploymentThis): void {
			states.set(this, {});
		},

		async stopped(this: DeploymentThis): Promise<void> {
			const active = stateOf(this).active;
			if (!active) return;
			active.abort.abort();
			await active.done;
		}
	};
}

/** A running rollout whose runner left the cluster will never finish: it is over, as failed. */
async function abandonOrphans(service: DeploymentThis, db: DbService["db"]): Promise<void> {
	const running = await runningRollout(db);
	if (!running) return;
	const mine = running.runner === service.broker.nodeID;
	// Ours but not in this process: the node restarted under the same id while it ran.
	const orphan = mine ? stateOf(service).active?.rollout.id !== running.id : service.broker.registry.nodes.get(running.runner)?.available !== true;
	if (!orphan) return;
	await finishRollout(db, running.id, "failed", `Abandoned: its runner ${running.runner} left the cluster before it finished`, new Date());
}

function startRun(service: DeploymentThis, rollout: Rollout, timing: RolloutTiming): void {
	const state = stateOf(service);
	const abort = new AbortController();
	const db = dbOf(service).db;
	const record = async (step: RolloutStep): Promise<void> => {
		rollout.steps.push(step);
		const event: RolloutStepEvent = { rollout: rollout.id, service: rollout.service, step };
		broadcast(service, ROLLOUT_STEP_EVENT, event);
		await appendStep(db, rollout.id, step);
	};
	const runner = new RolloutRunner({ broker: service.broker, logger: service.logger, record, timing, signal: abort.signal });
	const done = runner
		.run(rollout)
		.then((outcome) => finishRollout(db, rollout.id, outcome.ok ? "succeeded" : "failed", outcome.report, new Date()))
		.catch((err: unknown) => service.logger.error(`Rollout ${rollout.id} could not be finished in the database`, err))
		.finally(() => {
			if (state.active?.rollout.id === rollout.id) delete state.active;
		});
	state.active = { rollout, done, abort };
}

export default DeploymentService();
