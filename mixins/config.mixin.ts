/**
 * Central configuration for the service that owns the keys (issue 12, docs/decisions/0019).
 *
 * A service declares its keys once, beside its code (`gateway/gateway.config.ts`):
 *
 *   export const GATEWAY_CONFIG = declareConfig("gateway", {
 *     "gateway.rateLimit.perIpPerMinute": configKey({ schema: z.number().int().min(1).max(1e6), default: 600, ... })
 *   });
 *
 * lists `ConfigMixin(GATEWAY_CONFIG, { defaults })` in its mixins, and reads values with the typed
 * `configOf(this, GATEWAY_CONFIG).get(key)`, or follows them with `.onChange(key, fn)`.
 *
 * - The declarations ride in the service's settings (`configKeys`), so the config service learns
 *   them from its registry, without importing any service.
 * - A value is the stored one, else this node's default (`defaults`, usually its environment
 *   variable), else the declared default.
 * - `config.changed` applies a change at once; a key declared `restartRequired` keeps its value
 *   until the service restarts, and says so in the log.
 * - A node that starts later fetches the current values in `started` (bounded: it starts with its
 *   defaults when config cannot be reached, and logs it). A node that missed broadcasts (cut off
 *   from NATS) catches up when its NATS connection comes back, when a config service appears, and
 *   on a periodic revision check.
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import { z } from "zod";
import { watchTransporter } from "./transporter-monitor.ts";
import { toJsonSchema } from "../runtime/validation/zod-params.ts";
import { unboundedFields } from "../runtime/validation/zod-validator.ts";
import {
	CONFIG_CHANGED_EVENT,
	CONFIG_KEYS_SETTING,
	CONFIG_REVISION_ACTION,
	CONFIG_VALUES_ACTION,
	type ChangeableBy,
	type ConfigChanged,
	type ConfigKeyDescriptor,
	type OwnerValues,
	type RevisionAnswer,
	keyNameProblem
} from "../services/config/config.contract.ts";

export interface ConfigKeySpec<S extends z.ZodType = z.ZodType> {
	/** Must be representable as JSON Schema (no refine or transform): that is what the config service checks writes against. */
	schema: S;
	default: z.output<S>;
	description: string;
	changeableBy: ChangeableBy;
	restartRequired?: boolean;
}

/** Ties a key's default to its schema's type. */
export function configKey<S extends z.ZodType>(spec: ConfigKeySpec<S>): ConfigKeySpec<S> {
	return spec;
}

export type ConfigSpecs = Record<string, ConfigKeySpec>;

export interface ConfigDeclaration<D extends ConfigSpecs> {
	readonly owner: string;
	readonly keys: D;
	readonly descriptors: readonly ConfigKeyDescriptor[];
}

export type ConfigValue<D extends ConfigSpecs, K extends keyof D> = z.output<D[K]["schema"]>;
export type ConfigDefaults<D extends ConfigSpecs> = { [K in keyof D]?: ConfigValue<D, K> };

export class ConfigDeclarationError extends Error {
	override name = "ConfigDeclarationError";
}

/** Checks every key when the module loads, so a bad declaration stops the node that runs it. */
export function declareConfig<const D extends ConfigSpecs>(owner: string, keys: D): ConfigDeclaration<D> {
	const descriptors = Object.entries(keys).map(([key, spec]): ConfigKeyDescriptor => {
		const problem = keyNameProblem(key, owner);
		if (problem) throw new ConfigDeclarationError(problem);
		let schema;
		try {
			schema = z.toJSONSchema(spec.schema, { io: "input", unrepresentable: "throw" }) as Record<string, unknown>;
		} catch (err) {
			throw new ConfigDeclarationError(`${key}: its schema cannot be written as JSON Schema (${err instanceof Error ? err.message : String(err)})`);
		}
		const unbounded = unboundedFields(schema, key);
		if (unbounded.length > 0) throw new ConfigDeclarationError(`${key}: every string needs a maximum length, every number a range, every list a maximum (${unbounded.join(", ")})`);
		if (!spec.schema.safeParse(spec.default).success) throw new ConfigDeclarationError(`${key}: its default does not match its schema`);
		return {
			key,
			owner,
			description: spec.description,
			default: spec.default,
			schema: toJsonSchema(spec.schema),
			changeableBy: spec.changeableBy,
			restartRequired: spec.restartRequired === true
		};
	});
	return { owner, keys, descriptors };
}

export interface ConfigMixinOptions<D extends ConfigSpecs> {
	/** This node's defaults, e.g. from its environment; read once the service is created. */
	defaults?: (service: Service) => ConfigDefaults<D>;
	/** How long `started` waits for the current values before going on with defaults. */
	startTimeoutMs?: number;
	/** Period of the revision check that catches changes a node missed. */
	syncIntervalMs?: number;
	/** Per call to the config service. */
	callTimeoutMs?: number;
}

export interface ConfigStatus {
	/** "config" once current values were fetched; "defaults" until then. */
	source: "defaults" | "config";
	revision: number;
	/** Restart-required keys changed since this service started. */
	pendingRestart: string[];
}

export interface ConfigValues<D extends ConfigSpecs> {
	get<K extends keyof D & string>(key: K): ConfigValue<D, K>;
	/** Called after a live change; listeners registered in `started` are removed when the service stops. */
	onChange<K extends keyof D & string>(key: K, listener: (value: ConfigValue<D, K>, previous: ConfigValue<D, K>) => void): () => void;
	status(): ConfigStatus;
	/** Fetches the current values now (as the periodic check does); resolves false when config cannot be reached. */
	sync(): Promise<boolean>;
}

type Listener = (value: unknown, previous: unknown) => void;

interface KeyState {
	value: unknown;
	version: number;
}

interface ConfigState {
	specs: ConfigSpecs;
	owner: string;
	localDefaults: Record<string, unknown>;
	keys: Map<string, KeyState>;
	listeners: Map<string, Set<Listener>>;
	source: "defaults" | "config";
	revision: number;
	pendingRestart: Set<string>;
	/** Live changes are applied only once `started` has fetched (or given up): before that a value is a start-up value. */
	live: boolean;
	syncing: Promise<boolean> | undefined;
	/** Whether a config service was in the registry at the last look: its (re)appearance triggers a check. */
	configSeen: boolean;
	timer: NodeJS.Timeout | undefined;
	recheck: NodeJS.Timeout | undefined;
	stopWatching: (() => void) | undefined;
}

const states = new WeakMap<Service, ConfigState>();

const DEFAULT_START_TIMEOUT_MS = 3_000;
const DEFAULT_SYNC_INTERVAL_MS = 15_000;
const DEFAULT_CALL_TIMEOUT_MS = 2_000;

function stateOf(service: Service): ConfigState {
	const state = states.get(service);
	if (!state) throw new Error(`${service.fullName} reads configuration but has no ConfigMixin`);
	return state;
}

function defaultOf(state: ConfigState, key: string): unknown {
	return key in state.localDefaults ? state.localDefaults[key] : state.specs[key]?.default;
}

/** Applies one key's stored value (null: its default); returns true when the value in use changed. */
function apply(service: Service, state: ConfigState, key: string, stored: unknown, version: number, live: boolean): boolean {
	const spec = state.specs[key];
	const current = state.keys.get(key);
	if (!spec || !current || version <= current.version) return false;
	let value: unknown;
	if (stored === null) value = defaultOf(state, key);
	else {
		const parsed = spec.schema.safeParse(stored);
		if (!parsed.success) {
			// The config service checked it against the same schema's JSON form; a refinement only this side knows failed.
			service.logger.error(`Configuration ${key} version ${version} refused here, keeping the current value: ${parsed.error.message}`);
			current.version = version;
			return false;
		}
		value = parsed.data;
	}
	if (live && spec.restartRequired) {
		state.pendingRestart.add(key);
		service.logger.warn(`Configuration ${key} changed (version ${version}); it takes effect when ${service.fullName} restarts`);
		current.version = version;
		return false;
	}
	const previous = current.value;
	state.keys.set(key, { value, version });
	if (live) service.logger.info(`Configuration ${key} is now ${JSON.stringify(value)} (version ${version})`);
	for (const listener of state.listeners.get(key) ?? []) {
		try {
			listener(value, previous);
		} catch (err) {
			service.logger.error(`A listener of configuration ${key} failed`, err);
		}
	}
	return true;
}

function configReachable(service: Service): boolean {
	return service.broker.registry.actions.get(CONFIG_VALUES_ACTION)?.hasAvailable() === true;
}

async function fetchValues(service: Service, state: ConfigState, timeoutMs: number): Promise<boolean> {
	if (!configReachable(service)) return false;
	const answer = await service.broker.call<OwnerValues, { owner: string }>(CONFIG_VALUES_ACTION, { owner: state.owner }, { timeout: timeoutMs });
	for (const key of Object.keys(state.specs)) {
		const stored = answer.values[key];
		if (stored) apply(service, state, key, stored.value, stored.version, state.live);
	}
	state.revision = answer.revision;
	if (state.source === "defaults") service.logger.info(`Configuration of ${service.fullName} fetched (revision ${answer.revision})`);
	state.source = "config";
	return true;
}

/** One fetch at a time; callers arriving meanwhile share it. */
function sync(service: Service, state: ConfigState, timeoutMs: number): Promise<boolean> {
	state.syncing ??= fetchValues(service, state, timeoutMs)
		.catch((err: unknown) => {
			service.logger.warn(`Configuration of ${service.fullName} not fetched: ${err instanceof Error ? err.message : String(err)}`);
			return false;
		})
		.finally(() => {
			state.syncing = undefined;
		});
	return state.syncing;
}

async function checkRevision(service: Service, state: ConfigState, timeoutMs: number): Promise<void> {
	if (!configReachable(service)) return;
	try {
		const { revision } = await service.broker.call<RevisionAnswer, Record<string, never>>(CONFIG_REVISION_ACTION, {}, { timeout: timeoutMs });
		// Inequality, not "greater": a store rebuilt from scratch starts counting again.
		if (revision !== state.revision || state.source === "defaults") await sync(service, state, timeoutMs);
	} catch (err) {
		service.logger.debug(`Configuration revision check failed: ${err instanceof Error ? err.message : String(err)}`);
	}
}

/** How long Moleculer waits before it announces a change of this node's services (`transit.serviceChangedDebounceTime`). */
function infoDebounceMs(service: Service): number {
	const transit = (service.broker.options as { transit?: { serviceChangedDebounceTime?: number } }).transit;
	return transit?.serviceChangedDebounceTime ?? 1_000;
}

function withDeadline(work: Promise<boolean>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<boolean>((resolve) => {
		timer = setTimeout(() => resolve(false), ms);
	});
	return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function ConfigMixin<D extends ConfigSpecs>(declaration: ConfigDeclaration<D>, options: ConfigMixinOptions<D> = {}): Partial<ServiceSchema> {
	const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
	const syncIntervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
	const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
	// Through a variable: Moleculer's settings type lists only its own `$` options.
	const settings: Record<string, unknown> = { [CONFIG_KEYS_SETTING]: declaration.descriptors };
	return {
		settings,

		events: {
			[CONFIG_CHANGED_EVENT](this: Service, ctx: Context<ConfigChanged>): void {
				const state = stateOf(this);
				const change = ctx.params;
				if (!state.live || typeof change?.key !== "string" || !(change.key in state.specs) || typeof change.version !== "number") return;
				apply(this, state, change.key, change.value ?? null, change.version, true);
			},
			"$services.changed"(this: Service, ctx: Context<{ localService?: boolean }>): void {
				const state = stateOf(this);
				if (!state.live) return;
				if (ctx.params?.localService) {
					// Other nodes learn of this service (and send it config.changed) only when the INFO
					// packet Moleculer debounces goes out: a change committed before that was broadcast
					// without this node. One revision check just after the INFO closes that gap: NATS
					// delivers the INFO before the request, so the config node knows this node by then.
					clearTimeout(state.recheck);
					state.recheck = setTimeout(() => void checkRevision(this, state, callTimeoutMs), infoDebounceMs(this) + 200);
					state.recheck.unref();
				}
				// A config service that appears (started late, back after a crash, or rediscovered after this
				// node was cut off long enough for the registries to drop each other) may hold newer values.
				const seen = configReachable(this);
				if (seen && !state.configSeen) void checkRevision(this, state, callTimeoutMs);
				state.configSeen = seen;
			}
		},

		created(this: Service): void {
			const localDefaults: Record<string, unknown> = { ...options.defaults?.(this) };
			const state: ConfigState = {
				specs: declaration.keys,
				owner: declaration.owner,
				localDefaults,
				keys: new Map(),
				listeners: new Map(),
				source: "defaults",
				revision: -1,
				pendingRestart: new Set(),
				live: false,
				syncing: undefined,
				configSeen: false,
				timer: undefined,
				recheck: undefined,
				stopWatching: undefined
			};
			for (const key of Object.keys(declaration.keys)) state.keys.set(key, { value: defaultOf(state, key), version: 0 });
			states.set(this, state);
		},

		async started(this: Service): Promise<void> {
			const state = stateOf(this);
			// A restarted service starts again from its defaults and takes every stored value, restart-required ones included.
			for (const key of Object.keys(state.specs)) state.keys.set(key, { value: defaultOf(state, key), version: 0 });
			state.pendingRestart.clear();
			state.source = "defaults";
			state.revision = -1;
			state.live = false;
			const fetched = await withDeadline(sync(this, state, Math.min(callTimeoutMs, startTimeoutMs)), startTimeoutMs);
			state.live = true;
			state.configSeen = configReachable(this);
			if (!fetched) this.logger.warn(`Configuration service not reachable: ${this.fullName} starts with its defaults and applies the stored values once it answers`);
			state.timer = setInterval(() => void checkRevision(this, state, callTimeoutMs), syncIntervalMs);
			state.timer.unref();
			// No event says a node was cut off from NATS (measured on the project's machines); the connection monitor does.
			state.stopWatching = watchTransporter(this.broker).onChange((status) => {
				if (status.state === "connected") void checkRevision(this, state, callTimeoutMs);
			});
		},

		stopped(this: Service): void {
			const state = stateOf(this);
			clearInterval(state.timer);
			clearTimeout(state.recheck);
			state.stopWatching?.();
			state.listeners.clear();
			state.live = false;
		}
	};
}

/** The typed view of a service's configuration. */
export function configOf<D extends ConfigSpecs>(service: Service, declaration: ConfigDeclaration<D>): ConfigValues<D> {
	const state = stateOf(service);
	if (state.owner !== declaration.owner) throw new Error(`${service.fullName} reads ${declaration.owner}'s configuration but declares ${state.owner}'s`);
	return {
		get: <K extends keyof D & string>(key: K) => state.keys.get(key)?.value as ConfigValue<D, K>,
		onChange: <K extends keyof D & string>(key: K, listener: (value: ConfigValue<D, K>, previous: ConfigValue<D, K>) => void) => {
			let set = state.listeners.get(key);
			if (!set) {
				set = new Set();
				state.listeners.set(key, set);
			}
			const wrapped: Listener = (value, previous) => listener(value as ConfigValue<D, K>, previous as ConfigValue<D, K>);
			set.add(wrapped);
			return () => void set.delete(wrapped);
		},
		status: () => ({ source: state.source, revision: state.revision, pendingRestart: [...state.pendingRestart] }),
		sync: () => sync(service, state, DEFAULT_CALL_TIMEOUT_MS)
	};
}
