/**
 * Exactly one node evaluates the alert rules at a time. Every monitoring instance tries to take or
 * renew the evaluator lease every third of its TTL; the holder evaluates every
 * `evaluationIntervalMs` (and at once when health announces a transition), the others wait. A
 * holder that dies stops renewing, and another instance takes over within the TTL plus one tick;
 * one that stops gracefully gives the lease back, so another takes it at its next tick.
 *
 * The holder also writes the cluster-wide series (health, alerts, ETL freshness) into its own
 * registry; an instance that loses the lease clears them, so each appears once in a scrape.
 */
import type { Logger, ServiceBroker } from "moleculer";
import { type ClusterSummary, HEALTH_ACTIONS } from "../../health/health.contract.ts";
import { ETL_ACTIONS } from "../../etl/etl.contract.ts";
import { CLUSTER_METRIC_KEYS, clearMetric, setMetric } from "../../../runtime/platform-metrics.ts";
import type { Database } from "../../../runtime/storage/database.ts";
import { scrapeCluster } from "../../../runtime/metrics/cluster-scrape.ts";
import { ALERT_FIRED_EVENT, ALERT_RESOLVED_EVENT, ALERT_RULES, type Alert, type AlertEvent } from "../monitoring.contract.ts";
import type { ThresholdSource } from "../thresholds.ts";
import { planChanges } from "./alert-lifecycle.ts";
import { type ClusterFacts, type DriftFact, RULE_SEVERITY, type SourceFacts, allowedAgeMs, evaluateRules } from "./alert-rules.ts";
import { activeAlerts, activeSilences, applyChanges, releaseEvaluatorLease, tryEvaluatorLease } from "./alert-store.ts";
import { TRAFFIC_METRICS, TrafficWindow } from "./traffic-window.ts";

export interface EvaluatorOptions {
	broker: ServiceBroker;
	logger: Logger;
	/** The database once the schema is ready (waits for as long as it is away). */
	db: () => Promise<Database>;
	/** The database if it is open right now (stopping must not wait for one). */
	openDb: () => Database | undefined;
	thresholds: ThresholdSource;
	leaseTtlMs: number;
	/** Bound of each call that gathers facts. */
	callTimeoutMs: number;
}

export interface EvaluatorStatus {
	node: string;
	evaluating: boolean;
	lastEvaluationAt: string | null;
	lastEvaluationMs: number | null;
	evaluations: number;
	lastError: string | null;
}

interface EndpointListLike {
	hasAvailable(): boolean;
}

const BACKLOG_METRIC = "platform.notifications.backlog";

export class AlertEvaluator {
	private readonly options: EvaluatorOptions;
	private readonly traffic = new TrafficWindow();
	private holding = false;
	private stopped = true;
	private leaseTimer: NodeJS.Timeout | undefined;
	private evalTimer: NodeJS.Timeout | undefined;
	private running: Promise<void> | undefined;
	private again = false;
	private lastAt: Date | null = null;
	private lastMs: number | null = null;
	private count = 0;
	private lastError: string | null = null;

	constructor(options: EvaluatorOptions) {
		this.options = options;
	}

	get evaluating(): boolean {
		return this.holding;
	}

	status(): EvaluatorStatus {
		return {
			node: this.options.broker.nodeID,
			evaluating: this.holding,
			lastEvaluationAt: this.lastAt?.toISOString() ?? null,
			lastEvaluationMs: this.lastMs,
			evaluations: this.count,
			lastError: this.lastError
		};
	}

	start(): void {
		this.stopped = false;
		void this.leaseTick();
	}

	async stop(): Promise<void> {
		this.stopped = true;
		clearTimeout(this.leaseTimer);
		clearTimeout(this.evalTimer);
		await this.running;
		const db = this.options.openDb();
		if (this.holding) {
			this.lose();
			if (!db) return;
			try {
				// Given back, so another node takes over at its next tick instead of after the TTL.
				await releaseEvaluatorLease(db, this.options.broker.nodeID);
			} catch (err) {
				this.options.logger.warn(`Could not give the evaluator lease back (it expires by itself): ${String(err)}`);
			}
		}
	}

	/** Evaluates now (or right after the evaluation in flight) when this node holds the lease. */
	requestEvaluation(): void {
		if (this.stopped || !this.holding) return;
		if (this.running) {
			this.again = true;
			return;
		}
		clearTimeout(this.evalTimer);
		this.running = this.evaluate().finally(() => {
			this.running = undefined;
			if (this.stopped || !this.holding) return;
			if (this.again) {
				this.again = false;
				this.requestEvaluation();
				return;
			}
			this.evalTimer = setTimeout(() => this.requestEvaluation(), this.options.thresholds.current().evaluationIntervalMs);
			this.evalTimer.unref();
		});
	}

	/** Resolves after a complete evaluation that started after this call (tests, the REPL). */
	async evaluateNow(): Promise<void> {
		await this.running;
		this.requestEvaluation();
		await this.running;
	}

	private async leaseTick(): Promise<void> {
		if (this.stopped) return;
		const { broker, leaseTtlMs, logger } = this.options;
		try {
			const db = await this.options.db();
			const held = await tryEvaluatorLease(db, broker.nodeID, leaseTtlMs);
			if (held && !this.holding) {
				this.holding = true;
				logger.info(`This node now evaluates the alert rules (lease ${leaseTtlMs} ms)`);
				setMetric(broker, "alertEvaluator", 1);
				this.requestEvaluation();
			} else if (!held && this.holding) {
				logger.warn("Another node took the evaluator lease; this one stops evaluating");
				this.lose();
			}
		} catch (err) {
			// Without the database this node cannot prove it holds the lease: it stops evaluating.
			if (this.holding) {
				logger.warn(`Evaluator lease not renewed: ${err instanceof Error ? err.message : String(err)}`);
				this.lose();
			}
		}
		if (this.stopped) return;
		this.leaseTimer = setTimeout(() => void this.leaseTick(), Math.max(100, Math.floor(leaseTtlMs / 3)));
		this.leaseTimer.unref();
	}

	private lose(): void {
		this.holding = false;
		clearTimeout(this.evalTimer);
		this.traffic.reset();
		for (const key of CLUSTER_METRIC_KEYS) clearMetric(this.options.broker, key);
	}

	private async call<T>(action: string): Promise<T | undefined> {
		const { broker, callTimeoutMs } = this.options;
		// No such service in the cluster right now: its rules are not evaluated (rather than timing out).
		if (!(broker.registry.getActionEndpoints(action) as EndpointListLike | undefined)?.hasAvailable()) return undefined;
		try {
			return await broker.call<T, Record<string, never>>(action, {}, { timeout: callTimeoutMs, retries: 0 });
		} catch (err) {
			this.options.logger.debug(`Alert facts: ${action} did not answer: ${err instanceof Error ? err.message : String(err)}`);
			return undefined;
		}
	}

	private async gatherFacts(now: Date): Promise<ClusterFacts> {
		const thresholds = this.options.thresholds.current();
		const [health, etl, drift, scrape] = await Promise.all([
			this.call<ClusterSummary>(HEALTH_ACTIONS.cluster),
			this.call<{ sources: SourceFacts[] }>(ETL_ACTIONS.sourceStatus),
			this.call<{ items: DriftFact[] }>("deployment.drift"),
			scrapeCluster(this.options.broker, { nodeTimeoutMs: this.options.callTimeoutMs, includes: [...TRAFFIC_METRICS, BACKLOG_METRIC] })
		]);
		this.traffic.add(now.getTime(), scrape.nodes, thresholds.rateWindowMs);
		let backlog: number | undefined;
		for (const node of scrape.nodes) {
			for (const metric of node.metrics) {
				if (metric.name !== BACKLOG_METRIC) continue;
				for (const item of metric.values) backlog = (backlog ?? 0) + Number(item.value ?? 0);
			}
		}
		const traffic = this.traffic.services();
		return {
			...(health ? { health } : {}),
			...(traffic ? { traffic } : {}),
			...(etl ? { etl: etl.sources } : {}),
			...(backlog !== undefined ? { backlog } : {}),
			...(drift ? { drift: drift.items } : {})
		};
	}

	private async evaluate(): Promise<void> {
		const started = performance.now();
		const now = new Date();
		try {
			const db = await this.options.db();
			const thresholds = this.options.thresholds.current();
			const facts = await this.gatherFacts(now);
			const { conditions, evaluated } = evaluateRules(facts, thresholds, now);
			const changes = planChanges({ active: await activeAlerts(db), conditions, evaluated, silences: await activeSilences(db, now), thresholds, now });
			const applied = await applyChanges(db, this.options.broker.nodeID, changes, now);
			if (!applied) {
				this.options.logger.warn("The evaluator lease moved during an evaluation; its changes were not stored");
				this.lose();
				return;
			}
			for (const alert of applied.fired) this.announce(ALERT_FIRED_EVENT, alert);
			for (const alert of applied.resolved) this.announce(ALERT_RESOLVED_EVENT, alert);
			if (this.holding) this.publishSeries(facts, applied.firing, now);
			this.count++;
			this.lastError = null;
		} catch (err) {
			this.lastError = err instanceof Error ? err.message : String(err);
			this.options.logger.warn(`Alert evaluation failed: ${this.lastError}`);
		} finally {
			this.lastAt = now;
			this.lastMs = Math.round(performance.now() - started);
		}
	}

	private announce(event: string, alert: Alert): void {
		const level = event === ALERT_FIRED_EVENT ? "warn" : "info";
		this.options.logger[level](`Alert ${event === ALERT_FIRED_EVENT ? "FIRING" : "resolved"}: ${alert.rule} ${alert.subject}: ${alert.summary}`);
		const payload: AlertEvent = { alert, evaluator: this.options.broker.nodeID };
		const failed = (err: unknown): void => this.options.logger.warn(`Could not announce ${event} ${alert.id}: ${String(err)}`);
		try {
			// Broadcast: every gateway forwards it to its SSE clients (platform-events.ts).
			this.options.broker.broadcast(event, payload).catch(failed);
		} catch (err) {
			failed(err);
		}
	}

	private publishSeries(facts: ClusterFacts, firing: readonly Alert[], now: Date): void {
		const broker = this.options.broker;
		const thresholds = this.options.thresholds.current();
		const counts = new Map<string, number>(ALERT_RULES.map((r) => [r, 0]));
		for (const alert of firing) counts.set(alert.rule, (counts.get(alert.rule) ?? 0) + 1);
		clearMetric(broker, "alertsFiring");
		for (const rule of ALERT_RULES) setMetric(broker, "alertsFiring", counts.get(rule) ?? 0, { rule, severity: RULE_SEVERITY[rule] });
		setMetric(broker, "alertEvaluator", 1);
		if (facts.health) {
			for (const key of ["nodeUp", "serviceStatus", "serviceLive", "serviceWanted", "circuitOpen"] as const) clearMetric(broker, key);
			for (const node of facts.health.nodes) setMetric(broker, "nodeUp", node.state === "up" ? 1 : 0, { node: node.id });
			for (const service of facts.health.services) {
				for (const status of ["up", "degraded", "down"] as const) setMetric(broker, "serviceStatus", service.status === status ? 1 : 0, { service: service.name, status });
				setMetric(broker, "serviceLive", service.live, { service: service.name });
				setMetric(broker, "serviceWanted", service.wanted, { service: service.name });
				for (const circuit of service.openCircuits) {
					const at = circuit.lastIndexOf("@");
					setMetric(broker, "circuitOpen", 1, { service: service.name, action: circuit.slice(0, at), node: circuit.slice(at + 1) });
				}
			}
		}
		if (facts.drift) {
			clearMetric(broker, "deploymentDrift");
			for (const d of facts.drift) setMetric(broker, "deploymentDrift", 1, { service: d.service, kind: d.kind });
		}
		if (facts.etl) {
			for (const key of ["etlLastSuccess", "etlAllowedAge", "etlLastRunFailed"] as const) clearMetric(broker, key);
			for (const s of facts.etl) {
				if (s.lastSucceededAt) setMetric(broker, "etlLastSuccess", Date.parse(s.lastSucceededAt) / 1000, { source: s.source });
				if (s.lastFinished) setMetric(broker, "etlLastRunFailed", s.lastFinished.status === "failed" ? 1 : 0, { source: s.source });
				const allowed = s.cron ? allowedAgeMs(s.cron, thresholds, now) : undefined;
				if (allowed !== undefined) setMetric(broker, "etlAllowedAge", allowed / 1000, { source: s.source });
			}
		}
	}
}
