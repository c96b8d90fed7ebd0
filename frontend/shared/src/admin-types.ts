/** What the operator routes answer (health, monitoring, ETL, config, auth's users and keys, notifications, deployment). */
export type Status = "up" | "degraded" | "down";

export interface ClusterNode {
	id: string;
	hostname: string | null;
	local: boolean;
	state: "up" | "down";
	since: string;
	reason?: string;
	uptimeSec: number | null;
	lastSeen: string;
	services: string[];
}

export interface ClusterService {
	name: string;
	status: Status;
	since: string;
	reasons: string[];
	wanted: number;
	live: number;
	nodes: string[];
}

export interface ClusterHealth {
	status: Status;
	observer: string;
	at: string;
	transporter: { state: string; since: string; detail?: string };
	counts: { nodes: { up: number; down: number }; services: { up: number; degraded: number; down: number } };
	nodes: ClusterNode[];
	services: ClusterService[];
}

/** `health.status.changed`: one change of state, as the health service saw it. */
export interface Transition {
	kind: "node" | "service" | "transporter" | "circuit";
	id: string;
	from: string;
	to: string;
	at: string;
	reason?: string;
	observer: string;
}

export const ALERT_RULES = ["node_down", "service_replicas", "error_rate", "latency_p99", "circuit_open", "etl_failed", "stale_data", "notification_backlog"] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export interface Alert {
	id: string;
	rule: AlertRule;
	subject: string;
	severity: string;
	state: "pending" | "firing" | "resolved";
	summary: string;
	value: number | null;
	startedAt: string;
	firedAt: string | null;
	resolvedAt: string | null;
	acknowledgedBy: string | null;
	acknowledgedAt: string | null;
	silenced: boolean;
}

export interface Silence {
	id: string;
	rule: AlertRule | null;
	subject: string | null;
	reason: string;
	createdBy: string;
	createdAt: string;
	expiresAt: string;
}

export const ETL_SOURCES = ["ocd", "openparliament", "legisinfo", "ourcommons"] as const;
export type EtlSource = (typeof ETL_SOURCES)[number];

export interface EtlRun {
	id: string;
	source: EtlSource;
	status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
	params: { url?: string; file?: string };
	nodeID: string;
	progress: { documents?: number; pages?: number; requests?: number; url?: string };
	error: string | null;
	createdAt: string;
	startedAt?: string | null;
	finishedAt?: string | null;
	stats?: Record<string, number>;
}

export interface ConfigEntry {
	key: string;
	owner: string;
	declared: boolean;
	value: unknown;
	isDefault: boolean;
	default: unknown;
	version: number;
	description: string;
	changeableBy: "operator" | "admin";
	restartRequired: boolean;
	schema: Record<string, unknown>;
	changedAt: string | null;
	changedBy: string | null;
	reason: string | null;
}

export interface ConfigVersion {
	version: number;
	value: unknown;
	isDefault: boolean;
	kind: string;
	rollbackOf: number | null;
	changedBy: string;
	reason: string;
	changedAt: string;
}

export interface AdminUser {
	id: string;
	email: string;
	displayName: string;
	role: "citizen" | "editor" | "operator" | "admin";
	disabled: boolean;
	mfaEnabled: boolean;
}

export interface Delivery {
	id: string;
	eventId: string;
	channel: string;
	target: string;
	status: string;
	attempts: number;
	nextAttemptAt: string;
	lastError: string | null;
	createdAt: string;
	finishedAt: string | null;
}

export interface Paged<T> {
	objects: T[];
	pagination: { offset: number; limit: number; total: number };
}

/** GET /api/v1/etl/issues: one data-quality issue and the raw document it was found in. */
export interface EtlIssue {
	id: number;
	source: string;
	recordKey: string | null;
	reason: string;
	createdAt: string;
	firstRunId: string;
	lastRunId: string;
	lastSeenAt: string;
	timesSeen: number;
	open: boolean;
	raw: unknown;
	document: { key: string; hash: string | null } | null;
}

/** The deployment routes' shapes (services/deployment/deployment.contract.ts, mirrored: the apps do not import services). */
export interface ServiceTarget {
	replicas: number;
	version: string | null;
}

export interface Topology {
	version: number;
	services: Record<string, ServiceTarget>;
	changedBy: string;
	reason: string;
	changedAt: string | null;
}

export interface DriftItem {
	kind: "missing_replicas" | "extra_replicas" | "version_mismatch";
	service: string;
	subject: string;
	wanted: number;
	live: number;
	nodes: string[];
	summary: string;
	expected: boolean;
}

export interface DriftReport {
	at: string;
	topologyVersion: number;
	inSync: boolean;
	items: DriftItem[];
}

export interface RolloutStep {
	at: string;
	node: string | null;
	phase: "planned" | "draining" | "left" | "replaced" | "healthy" | "refused" | "timeout" | "failed" | "done";
	detail: string;
}

export interface Rollout {
	id: string;
	service: string;
	nodes: string[];
	state: "running" | "succeeded" | "failed";
	startedBy: string;
	reason: string;
	startedAt: string;
	finishedAt: string | null;
	report: string | null;
	steps: RolloutStep[];
}

/** `deployment.rollout.step` on the SSE stream. */
export interface RolloutStepEvent {
	rollout: string;
	service: string;
	step: RolloutStep;
}
