/**
 * `health`: the live picture of the cluster (README.md).
 *
 * Listens to Moleculer's node, service and circuit-breaker events, runs every replica's own
 * health check, keeps nodes and services with their status (up, degraded, down) against the
 * wanted replica count, and a history of transitions announced as `health.status.changed`.
 * `HealthService({ ... })` lets the history and the deployment service's replica counts be
 * plugged in; the default export keeps the history in the database (the `health` schema).
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { type ServiceThis, defineService } from "../../runtime/define-service.ts";
import type { DatabaseConfig } from "../../runtime/storage/database.ts";
import { DbTransitionLog } from "./db-transition-log.ts";
import type { CircuitReport, CircuitState } from "./cluster-model.ts";
import { ClusterWatcher } from "./cluster-watcher.ts";
import { LEFT_GRACEFULLY, LOST_HEARTBEAT } from "./health.contract.ts";
import type { WantedReplicas } from "./replica-policy.ts";
import { MemoryTransitionLog, type TransitionLog } from "./transition-log.ts";
import { TOPOLOGY_CHANGED, type TopologyReplicas, WantedTopology } from "./wanted-topology.ts";
import { NoParams, type ParamsOf } from "../../runtime/validation/zod-params.ts";
import type { ResultOf } from "../../runtime/validation/zod-response.ts";
import {
	type CircuitEventPayload,
	ClusterResponse,
	type NodeEventPayload,
	NodesResponse,
	ServicesResponse,
	TransitionsParams,
	TransitionsResponse
} from "./health.params.ts";

/** Optional so a schema of any settings type can be loaded by the service catalog; defaults below. */
export interface HealthSettings extends ServiceSettingSchema {
	checkIntervalMs?: number;
	/** A replica whose healthCheck does not answer within this has failed it. */
	checkTimeoutMs?: number;
	downRetentionMs?: number;
}

const DEFAULTS = { checkIntervalMs: 5_000, checkTimeoutMs: 3_000, downRetentionMs: 15 * 60_000 };

export interface HealthServiceOptions {
	/** Keep the history in the database (DbMixin, schema `health`) instead of memory only. */
	persist?: boolean;
	/** With `persist`: the database to use instead of the one the environment names. */
	database?: DatabaseConfig;
	transitionLog?: () => TransitionLog;
	/** Fixed counts instead of the deployment service's wanted topology (tests). */
	wantedReplicas?: WantedReplicas;
}

/**
 * What a health service holds while it runs, set in `created`: per service instance, not per
 * schema, since tests and one-process setups build several brokers from one schema.
 */
interface HealthVars {
	watcher: ClusterWatcher;
	transitions: TransitionLog;
	topology: WantedTopology;
}

type HealthThis = ServiceThis<HealthSettings, HealthVars>;

function circuitReport(ctx: Context<CircuitEventPayload>, state: CircuitState): CircuitReport {
	const p = ctx.params;
	const detail = p.failures !== undefined && p.count !== undefined ? `${p.failures} failures in ${p.count} calls` : undefined;
	return {
		reporter: ctx.nodeID ?? "",
		nodeID: p.nodeID,
		service: p.service,
		action: p.action,
		state,
		...(detail ? { detail } : {})
	};
}

export function HealthService(options: HealthServiceOptions = {}): ServiceSchema {
	return defineService<HealthSettings, HealthVars>({
		name: "health",
		mixins: options.persist ? [DbMixin({ schema: "health", ...(options.database ? { database: options.database } : {}) }), HealthMixin()] : [HealthMixin()],
		// `rest`: the base path of the routes below, under the gateway's /api/v1.
		settings: { rest: "/health", ...DEFAULTS },

		actions: {
			// Operators (and admins) only: the cluster's layout is not for the public.
			cluster: {
				visibility: "published",
				permissions: ["health:read"],
				rest: "GET /cluster",
				params: NoParams,
				response: ClusterResponse,
				handler(this: HealthThis): ResultOf<typeof ClusterResponse> {
					return this.watcher.summary();
				}
			},
			nodes: {
				visibility: "published",
				permissions: ["health:read"],
				rest: "GET /nodes",
				params: NoParams,
				response: NodesResponse,
				handler(this: HealthThis): ResultOf<typeof NodesResponse> {
					return { nodes: this.watcher.summary().nodes };
				}
			},
			services: {
				visibility: "published",
				permissions: ["health:read"],
				rest: "GET /services",
				params: NoParams,
				response: ServicesResponse,
				handler(this: HealthThis): ResultOf<typeof ServicesResponse> {
					return { services: this.watcher.summary().services };
				}
			},
			transitions: {
				visibility: "published",
				permissions: ["health:read"],
				rest: "GET /transitions",
				params: TransitionsParams,
				response: TransitionsResponse,
				async handler(this: HealthThis, ctx: Context<ParamsOf<typeof TransitionsParams>>): Promise<ResultOf<typeof TransitionsResponse>> {
					const { limit, kind, id } = ctx.params;
					return { transitions: await this.transitions.list({ limit, ...(kind ? { kind } : {}), ...(id ? { id } : {}) }) };
				}
			}
		},

		events: {
			"$node.connected"(this: HealthThis): void {
				this.watcher.nodesChanged();
			},
			"$node.updated"(this: HealthThis): void {
				this.watcher.nodesChanged();
			},
			"$node.disconnected"(this: HealthThis, ctx: Context<NodeEventPayload>): void {
				const reason = ctx.params.unexpected ? LOST_HEARTBEAT : LEFT_GRACEFULLY;
				this.watcher.nodesChanged(new Map([[ctx.params.node.id, reason]]));
			},
			"$services.changed"(this: HealthThis): void {
				this.watcher.nodesChanged();
				// Until a deployment node has answered once; afterwards its broadcasts keep this current.
				if (!this.topology.known && !options.wantedReplicas) followTopology(this.watcher, this.topology.fetch(this.broker));
			},
			[TOPOLOGY_CHANGED](this: HealthThis, ctx: Context<TopologyReplicas>): void {
				if (!options.wantedReplicas && this.topology.apply(ctx.params)) this.watcher.nodesChanged();
			},
			"$circuit-breaker.opened"(this: HealthThis, ctx: Context<CircuitEventPayload>): void {
				this.watcher.circuitChanged(circuitReport(ctx, "open"));
			},
			"$circuit-breaker.half-opened"(this: HealthThis, ctx: Context<CircuitEventPayload>): void {
				this.watcher.circuitChanged(circuitReport(ctx, "half-open"));
			},
			"$circuit-breaker.closed"(this: HealthThis, ctx: Context<CircuitEventPayload>): void {
				this.watcher.circuitChanged(circuitReport(ctx, "closed"));
			}
		},

		created(this: HealthThis): void {
			const transitions = options.transitionLog?.() ?? (options.persist ? databaseLog(this) : new MemoryTransitionLog());
			const topology = new WantedTopology();
			const watcher = new ClusterWatcher(this.broker, {
				serviceName: this.fullName,
				checkIntervalMs: this.settings.checkIntervalMs ?? DEFAULTS.checkIntervalMs,
				checkTimeoutMs: this.settings.checkTimeoutMs ?? DEFAULTS.checkTimeoutMs,
				downRetentionMs: this.settings.downRetentionMs ?? DEFAULTS.downRetentionMs,
				log: transitions,
				wanted: options.wantedReplicas ?? topology.wanted,
				logger: this.logger
			});
			this.watcher = watcher;
			this.transitions = transitions;
			this.topology = topology;
		},

		started(this: HealthThis): void {
			this.watcher.start();
			if (!options.wantedReplicas) followTopology(this.watcher, this.topology.fetch(this.broker));
		},

		async stopped(this: HealthThis): Promise<void> {
			await this.watcher.stop();
			if (this.transitions instanceof DbTransitionLog) {
				await this.transitions.flush();
				this.transitions.close();
			}
		}
	});
}

/** New counts change service statuses: re-judge at once. */
function followTopology(watcher: ClusterWatcher, fetched: Promise<boolean>): void {
	void fetched.then((changed) => {
		if (changed) watcher.nodesChanged();
	});
}

function databaseLog(service: HealthThis): DbTransitionLog {
	const db = service as HealthThis & DbService;
	return new DbTransitionLog({
		// Background work: wait for the database however long it is away (the ring serves meanwhile).
		ready: () => db.dbReady(Number.POSITIVE_INFINITY).then(() => db.db),
		table: `${db.dbSchema}.transitions`,
		onError: (message) => service.logger.warn(`Transition history: ${message}`)
	});
}

export default HealthService({ persist: true });
