/**
 * What the config service and the services that own configuration keys agree on (issue 12): how a
 * key is named and described in the registry, the `config.changed` broadcast, and the answers of
 * the two internal actions the config mixin (mixins/config.mixin.ts) calls. Both sides import this
 * module; neither imports the other.
 */
import type { JsonSchema } from "../../runtime/validation/zod-params.ts";

export const CONFIG_SERVICE = "config";

/** Broadcast after every committed change (set or rollback), to every node. */
export const CONFIG_CHANGED_EVENT = "config.changed";

/** Internal actions (visibility "public": callable across nodes, never published to the gateway). */
export const CONFIG_VALUES_ACTION = "config.values";
export const CONFIG_REVISION_ACTION = "config.revision";

/**
 * The service setting that carries a service's declarations. Service settings travel in Moleculer's
 * INFO packets, so the config service reads every live declaration from its own registry.
 */
export const CONFIG_KEYS_SETTING = "configKeys";

/** Who may change a key through the API: operators may change operator keys, admins every key. */
export const CHANGEABLE_BY = ["operator", "admin"] as const;
export type ChangeableBy = (typeof CHANGEABLE_BY)[number];

/** `<owner>.<name>[.<name>...]`, camelCase segments: `gateway.rateLimit.perIpPerMinute`. */
export const KEY_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-zA-Z0-9]*){1,4}$/;
export const MAX_KEY_LENGTH = 100;
/** A stored value's JSON text; configuration is settings, not data. */
export const MAX_VALUE_BYTES = 16 * 1024;

/**
 * Secrets stay in the environment or key files (README.md): a key whose name says it holds one is
 * refused when it is declared and when it is written. Matched on the name without separators, so
 * `jwtSecret`, `smtp.password` and `api_key` are all caught.
 */
const SECRET_WORDS = /secret|passw(or)?d|passphrase|token|credential|privatekey|apikey|salt/i;

export function isSecretLikeKey(key: string): boolean {
	return SECRET_WORDS.test(key.replace(/[^a-zA-Z0-9]/g, ""));
}

/** Why a key name is not acceptable, or undefined when it is. */
export function keyNameProblem(key: string, owner?: string): string | undefined {
	if (key.length > MAX_KEY_LENGTH || !KEY_PATTERN.test(key)) return `"${key}" is not a key name like <service>.<name> (camelCase segments, at most ${MAX_KEY_LENGTH} characters)`;
	if (owner !== undefined && !key.startsWith(`${owner}.`)) return `"${key}" must begin with its owner's name, "${owner}."`;
	if (isSecretLikeKey(key)) return `"${key}" looks like a secret; secrets stay in the environment or key files, never in configuration`;
	return undefined;
}

/** One key as it travels in the registry: plain JSON, its schema as JSON Schema. */
export interface ConfigKeyDescriptor {
	key: string;
	/** The service that declares it and applies it. */
	owner: string;
	description: string;
	/** The value when nothing was ever set (a node may use its own environment's value instead, see the mixin). */
	default: unknown;
	schema: JsonSchema;
	changeableBy: ChangeableBy;
	/** True when a change takes effect only after the owning service restarts. */
	restartRequired: boolean;
}

export type ChangeKind = "set" | "rollback";

/** The payload of `config.changed`. */
export interface ConfigChanged {
	key: string;
	owner: string;
	/** The new value, or null: back to the default (each node's own default, see the mixin). */
	value: unknown;
	isDefault: boolean;
	/** The change's version: a number that grows with every change of any key (cluster-wide). */
	version: number;
	/** The key's version before this change; null when it had none. */
	previousVersion: number | null;
	kind: ChangeKind;
	/** For a rollback: the version whose value was restored; null when that was the default. */
	rollbackOf: number | null;
	restartRequired: boolean;
	changedBy: string;
	reason: string;
	/** ISO time of the commit. */
	at: string;
}

/** What `config.values` answers: the latest version of each stored key of one owner. */
export interface OwnerValues {
	/** Changes so far, cluster-wide; `config.revision` answers the same number. */
	revision: number;
	/** Keys never set are absent; a key reset to its default has `value: null`. */
	values: Record<string, { value: unknown; version: number }>;
}

export interface RevisionAnswer {
	revision: number;
}

/** The answers of `config.list`, `config.get`, `config.set` and `config.history`, as the console reads them. */
/** A key as the API shows it. */
export interface ConfigEntry {
	key: string;
	owner: string;
	/** False when no running service declares the key any more (its stored history stays). */
	declared: boolean;
	/** The stored value, or the declared default (a node may apply its own environment's default instead). */
	value: unknown;
	isDefault: boolean;
	default: unknown;
	/** 0 when it was never changed. */
	version: number;
	description: string | null;
	changeableBy: ChangeableBy | null;
	restartRequired: boolean;
	schema: Record<string, unknown> | null;
	changedAt: string | null;
	changedBy: string | null;
	reason: string | null;
}

export interface SetAnswer extends ConfigEntry {
	previousVersion: number | null;
	/** What the caller should know: live at once, or only after the owner restarts. */
	message: string;
}

export interface HistoryItem {
	version: number;
	value: unknown;
	isDefault: boolean;
	kind: ChangeKind;
	rollbackOf: number | null;
	changedBy: string;
	reason: string;
	requestId: string | null;
	changedAt: string;
}

/** Config's lists are the platform's one list shape. */
export type { Page } from "../../runtime/list-page.ts";
